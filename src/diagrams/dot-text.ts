/** DOT quoting, shared by the machine and supervision-tree renderers. */

/** A DOT double-quoted string: safe for any id or label, including ones with dots and quotes. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

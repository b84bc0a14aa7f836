/** Reading Prometheus exposition text in tests. */

/** The value of the first series of `name` carrying every one of `labels` (in any order), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const cut = line.lastIndexOf(' ');
    if (want.every((w) => line.slice(0, cut).includes(w))) return Number(line.slice(cut + 1));
  }
  return undefined;
}

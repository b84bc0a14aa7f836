/** Defaults of a workflow check, apart from the checker so that importing them loads no fast-check. */

/** Defaults of a `WorkflowSpec`'s search options. */
export const DEFAULT_WORKFLOW_CHECK = { numRuns: 100, seed: 42 } as const;

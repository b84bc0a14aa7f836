/** Where the workflow view reads from: the live buffer, or a journal. */

export interface WorkflowSource {
  /** For the page: `'live'` (a bounded buffer of what this node saw) or `'journal'`. */
  readonly source: 'live' | 'journal';
  list(): WorkflowSummary[] | Promise<WorkflowSummary[]>;
  workflow(correlationId: string): WorkflowStep[] | Promise<WorkflowStep[]>;
}

/** One step of a workflow, as the page draws it. */
export interface WorkflowStep {
  seq: number;
  at: number;
  node: string;
  /** The recipient's path. */
  to: string;
  /** The sender's path, when an actor sent it. */
  from?: string;
  type: string;
  id?: string;
  causationId?: string;
}

/** A workflow in the list. */
export interface WorkflowSummary {
  correlationId: string;
  steps: number;
  first: number;
  last: number;
}

/** The shapes the server sends (mirrors of `../rows.ts`, `../diff.ts`, `../model.ts`; the page is bundled apart). */
export interface MailboxStats { depth: number; oldestAge: number }
export interface Row {
  path: string; parent: string; index: number; id: string; type: 'supervisor' | 'worker' | 'remote'; status: string; node: string;
  kind?: string; state?: string; restarts?: number; strategy?: string; mailbox?: MailboxStats; durable?: true; singleton?: true;
}
export interface RowDiff { upsert: Row[]; remove: string[] }
export interface NodeView { node: string; kinds: string[]; lastSeen: number; up: boolean; actors: number; processed?: number; deadLetters?: number }
export interface MetricSample { at: number; rate: number; restarts: number; deadLetters: number; mailboxTotal: number; mailboxMax: number }
export interface DeadLetterView { at: number; node: string; recipient: string; type: string; code: string; reason: string; event: string }
export interface Snapshot { self: string; rows: Row[]; nodes: NodeView[]; samples: MetricSample[]; deadLetters: DeadLetterView[]; workflows: string; metrics: boolean }
export interface ActorDetail {
  path: string; node: string; type: string; status: string; state?: string; activeStates?: string[]; context?: string;
  mailbox: MailboxStats; restarts: number; recentEvents: string[]; dot?: string;
}
export interface WorkflowSummary { correlationId: string; steps: number; first: number; last: number }
export interface WorkflowStep { seq: number; at: number; node: string; to: string; from?: string; type: string; id?: string; causationId?: string }
export interface DlqEntry {
  id: string; originalId: string; code: string; reason: string; recipient: string; eventType?: string; correlationId?: string;
  attempts: number; redrives: number; node: string; firstFailedAt?: number; lastFailedAt?: number; event: unknown;
}
export interface DlqList { available: boolean; reason?: string; queue?: string; entries: DlqEntry[] }
export interface RedriveReport { redriven: number; kept: number; recipients: Record<string, number>; problems: string[] }

/** What a system tells its subscribers: supervisor reports and dead letters. */
import type { ArborError } from './errors.js';

/** A message that could not be delivered, and why. */
export interface DeadLetter {
  /** The path it was addressed to. */
  recipient: string;
  event: unknown;
  reason: ArborError;
  at: number;
  /** The event's correlation id, if it carries one. */
  correlationId?: string;
}

/** What a supervisor reports. */
export type ReportKind = 'child_started' | 'child_restarted' | 'child_exited' | 'child_terminated' | 'shutdown';

/** Why a supervisor shut itself down: too many restarts, or its significant children exited. */
export type ShutdownReason = 'MAX_RESTART_INTENSITY' | 'AUTO_SHUTDOWN';

/** A report's `reason`: `'normal'` or the crash error for `child_exited`, a {@link ShutdownReason} for `shutdown`. */
export type ReportReason = 'normal' | ShutdownReason | Error;

/** A supervisor report, emitted as the system's `'report'` event and logged. */
export interface SupervisorReport {
  kind: ReportKind;
  /** The supervisor's path. */
  supervisor: string;
  /** The child's id (for `'shutdown'`: the child whose exit caused it). */
  child: string;
  /** The child's path. */
  childPath?: string;
  /** `'normal'` or the error for `child_exited`; `'MAX_RESTART_INTENSITY'` or `'AUTO_SHUTDOWN'` for `shutdown`. */
  reason?: ReportReason;
  at: number;
}

/** The events `system.on` can subscribe to. */
export interface SystemEvents {
  report: SupervisorReport;
  deadLetter: DeadLetter;
}

/** Stops a topic subscription; `ready` resolves once the subscription reaches across nodes. */
export type Unsubscribe = (() => void) & { readonly ready: Promise<void> };

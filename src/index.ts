/**
 * Arbor: XState actors with runtime-owned mailboxes, OTP supervision trees with results
 * aggregated up each level, and RabbitMQ between nodes.
 */
export { createSystem } from './create-system.js';
export * from './patterns/index.js';
export { supervisor, isSupervisorLogic } from './supervision/supervisor.js';
export { ArborError, InvalidSpecError, InvalidEventError, isArborError } from './runtime/errors.js';
export { SimulatedClock, realClock } from './runtime/clock.js';
export { inMemoryTransport } from './runtime/transport.js';
export { rabbitmqTransport, RabbitmqTransport, DEFAULT_RABBITMQ_OPTIONS, redactUrl } from './transport/index.js';
export { DEFAULT_MAILBOX_OPTIONS } from './runtime/mailbox.js';
export { DEFAULT_SUPERVISOR_OPTIONS, DEFAULT_BACKOFF } from './supervision/spec.js';
export { SHUTDOWN_EVENT } from './actors/xstate-cell.js';
export { asXStateRef } from './actors/xstate-ref.js';
export { supervisorLifecycle } from './supervision/lifecycle.js';
export {
  toMermaid,
  toDot,
  toSvg,
  dotToSvg,
  treeToMermaid,
  treeToDot,
  isSupervisorLike,
  isSupervisorSpecLike,
  DiagramRenderError,
} from './diagrams/index.js';
export {
  checkMachine,
  assertMachine,
  MachineCheckError,
  formatReport,
  formatEvents,
  replayEvents,
  DEFAULT_CHECK_OPTIONS,
  CheckOptionsError,
} from './entry/check.js';

export type { System, CreateSystemOptions } from './create-system.js';
export type { SystemOptions, SpawnOptions } from './runtime/system-options.js';
export type { DurableOptions } from './runtime/durable-options.js';
export type { DeadLetter, SupervisorReport, ReportKind, ReportReason, ShutdownReason, SystemEvents, Unsubscribe } from './runtime/system-events.js';
export type { DeadLetterFilter } from './runtime/dead-letter-log.js';
export type { EventSchemas, StandardSchemaV1, StandardIssue, StandardResult } from './runtime/schemas.js';
export type { JournalEntry, JournalSink } from './runtime/journal.js';
export type { ClusterStatus, NodeTree } from './runtime/node-status.js';
export type { SingletonStatus } from './runtime/singleton-port.js';
export type { TreeNode } from './runtime/cell.js';
export type { PoolWorkerRef, ServePoolOptions } from './runtime/pool-server.js';
export { RemoteActorRef } from './remote/remote-ref.js';
export { topicMatcher, validateTopicPattern } from './runtime/topics.js';
export type { ActorRef, AskOptions } from './runtime/ref.js';
export type { ArborEvent } from './runtime/event.js';
export type { ErrorCode, ErrorCodes, InvalidSpecOptions } from './runtime/errors.js';
export type { SupervisionErrorCode } from './supervision/error-codes.js';
export type { Clock } from './runtime/clock.js';
export type { MailboxOptions, OverflowPolicy } from './runtime/mailbox.js';
export type { Shutdown } from './runtime/cell.js';
export type { Transport, TransportHost, Envelope, NodeInfo, DeliveryResult } from './runtime/transport.js';
export type { SupervisorLogic } from './supervision/supervisor.js';
export type { SupervisorRef, ChildInfo } from './supervision/supervisor-ref.js';
export type { RefOf, ChildLogic, LogicInput, AcceptingArborRefs, OutputOf, SupervisorOutput } from './supervision/logic-types.js';
export type {
  SupervisorOptions,
  ChildSpec,
  ChildSpecs,
  ChildIds,
  Strategy,
  AutoShutdown,
  BackoffOptions,
  AggregateOptions,
  AggregatePolicy,
} from './supervision/spec.js';
export type { RestartType } from './supervision/child-template.js';
export type { TreeDiagramOptions, SupervisorLike, SupervisorSpecLike, ChildSpecLike } from './diagrams/index.js';
export type { CheckOptions, CheckReport, CheckFailure, CheckStats, FailureKind, Invariant, EventPayloads } from './check/index.js';
export type { RabbitmqTransportOptions, TappedMessage, TapHandler } from './transport/index.js';

// The event journal and replay (issue 5).
export { fileJournal, streamJournal, journalQueue, readJournal, replayJournal, timeline, isGap, relativePath, DEFAULT_FILE_JOURNAL_OPTIONS, DEFAULT_STREAM_JOURNAL_OPTIONS } from './journal/index.js';
export type {
  StoredEntry,
  StoredRef,
  JournalGap,
  JournalRecord,
  JournalStats,
  FileJournalOptions,
  StreamJournalOptions,
  StreamLocation,
  StreamReadOptions,
  ReplayOptions,
  ReplayResult,
  ReplayTarget,
  TimelineRow,
  TimelineOptions,
} from './journal/index.js';

// Durable state (issue 11): stores and group commit. Drivers load on a store's first use.
export { localStore, postgresStore, GroupCommitter, DEFAULT_LOCAL_STORE_OPTIONS, DEFAULT_POSTGRES_STORE_OPTIONS, DEFAULT_GROUP_COMMIT_OPTIONS } from './store/index.js';
export type {
  StateStore,
  StateRecord,
  StateChange,
  StoredState,
  ChangeResult,
  StateSummary,
  ListOptions,
  PendingTimer,
  MachineVersion,
  Fence,
  Lease,
  AcquireOptions,
  LocalStoreOptions,
  PostgresStoreOptions,
  GroupCommitOptions,
  GroupCommitStats,
} from './store/index.js';

// Property-testing whole workflows by deterministic simulation (issue 17).
export { checkWorkflow, replayWorkflow, formatTimeline, formatWorkflowReport, DEFAULT_WORKFLOW_CHECK } from './entry/workflow.js';
export type {
  Step,
  WorkflowSpec,
  WorkflowView,
  WorkflowInput,
  WorkflowFaults,
  WorkflowProperty,
  WorkflowReport,
  WorkflowFailure,
  WorkflowFailureKind,
  WorkflowStats,
  WorkflowSource,
  WorkersStart,
} from './workflow/index.js';

/** The `--broker URL --cluster NAME [--node NAME]` flags of `run`, `status` and `replay`. */
import type { Transport } from '../runtime/transport.js';
import { rabbitmqTransport } from '../transport/index.js';
import type { RabbitmqTransportOptions } from '../transport/index.js';
import { asCliError, CliError } from './errors.js';

export const BROKER_OPTIONS = {
  broker: { type: 'string' },
  cluster: { type: 'string' },
} as const;

/** Where the cluster is, or undefined without `--broker`. */
export interface BrokerFlags {
  url: string;
  cluster?: string;
}

/** Reads the broker flags; `--cluster` needs `--broker`. */
export function brokerFlags(values: { broker?: string | undefined; cluster?: string | undefined }): BrokerFlags | undefined {
  if (values.broker === undefined) {
    if (values.cluster !== undefined) throw new CliError('USAGE', '--cluster needs --broker URL');
    return undefined;
  }
  if (values.broker === '') throw new CliError('USAGE', '--broker must be an amqp:// or amqps:// URL, got ""');
  return { url: values.broker, ...(values.cluster !== undefined ? { cluster: values.cluster } : {}) };
}

/** The RabbitMQ transport for `flags` (bad URL or cluster name: a one-line error, URL redacted). */
export function brokerTransport(flags: BrokerFlags, extra: RabbitmqTransportOptions = {}): Transport {
  try {
    return rabbitmqTransport({ url: flags.url, ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}), ...extra });
  } catch (err) {
    throw asCliError(err);
  }
}

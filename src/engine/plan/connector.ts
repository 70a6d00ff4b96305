// Streams whose records live in a system outside Eddy: `CREATE STREAM … WITH (connector = 'kinesis', …)`.
// The SQL compiler fills this in; the engine's connectors read and write the other system with it.

/** A Kinesis stream elsewhere (AWS's, or any Kinesis-compatible endpoint) that an Eddy stream mirrors. */
export interface KinesisConnectorConfig {
  readonly kind: 'kinesis';
  /** The Kinesis stream's name on the other side. */
  readonly stream: string;
  readonly region: string;
  /** Another endpoint than AWS's; credentials come from the standard AWS chain either way. */
  readonly endpoint?: string;
}

export type ConnectorConfig = KinesisConnectorConfig;

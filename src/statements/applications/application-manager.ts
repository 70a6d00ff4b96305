// Kinesis Data Analytics (SQL) applications: their configuration, lifecycle and queries. An application
// is created READY; StartApplication compiles its code and starts one continuous query per pump and
// output (STARTING, then RUNNING); StopApplication stops them with a final checkpoint each (STOPPING,
// then READY), kept as the application's LAST_STOPPED_POINT. Every change of configuration bumps the
// version id and is refused unless the caller names the current one. A running application's queries
// are ordinary catalogued queries, so a restarted server resumes them from their checkpoints and the
// application is RUNNING again where it was.
//
// One operation runs on an application at a time; another that would change it meanwhile is refused
// with a ResourceInUseException, as the service refused changes to an application being started,
// stopped or updated.

import { randomUUID } from 'node:crypto';
import {
  EddyError,
  isEddyError,
  sourceStream,
  streamNameInArn,
  systemClock,
  type Catalog,
  type Clock,
  type DeliveryManager,
  type QueryCheckpoint,
  type QueryManager,
  type QueryPlan,
  type ReferenceTables,
  type ShardCheckpoint,
  type StreamStore,
} from '../../engine/index.js';
import {
  DEFAULT_MAX_APPLICATIONS,
  MAX_INPUTS,
  MAX_OUTPUTS,
  MAX_REFERENCE_SOURCES,
  MAX_USER_TAGS,
  type ApplicationStatus,
  type InputSpec,
  type InputStartingPosition,
  type LoggingOption,
  type OutputSpec,
  type ReferenceDataSourceSpec,
  type ResourceRole,
  type RunningPump,
  type SourceSchema,
  type StoredApplication,
  type StoredInput,
  type StoredOutput,
  type StoredReference,
  type Tag,
} from './application.js';
import { bindingOf, compileApplication, outputPlan, type ApplicationSource, type CompiledApplication } from './application-code.js';
import { applicationStreamName, type KdaRecordColumn, type KdaRecordFormat } from '../../sql/index.js';
import { ApplicationStore } from './application-store.js';
import { streamSchemaOf, unescape } from './source-schema.js';
import { discoverSchema, MAX_SAMPLED_BYTES, MAX_SAMPLED_RECORDS, sampleStream, type DiscoveredSchema } from './schema-discovery.js';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { streamExists } from '../stream-exists.js';

export interface ApplicationManagerOptions {
  readonly store: StreamStore;
  /** Where in-application streams' and reference tables' schemas are kept (and user functions found). */
  readonly catalog: Catalog;
  readonly queries: QueryManager;
  /** Firehose inputs and outputs need delivery streams; without, they are refused. */
  readonly delivery?: Pick<DeliveryManager, 'describeDeliveryStream'> | undefined;
  /** Reference data sources load into these; without a tables directory they are refused at start. */
  readonly tables?: ReferenceTables | undefined;
  /** Where applications persist; in memory without. */
  readonly dataDir?: string | undefined;
  readonly clock?: Clock;
  readonly region?: string;
  readonly accountId?: string;
  readonly maxApplications?: number;
}

export interface CreateApplicationRequest {
  readonly ApplicationName: string;
  readonly ApplicationDescription?: string;
  readonly Inputs?: readonly InputSpec[];
  readonly Outputs?: readonly OutputSpec[];
  readonly CloudWatchLoggingOptions?: readonly { readonly LogStreamARN: string; readonly RoleARN: string }[];
  readonly ApplicationCode?: string;
  readonly Tags?: readonly Tag[];
}

export interface InputConfiguration {
  readonly Id: string;
  readonly InputStartingPositionConfiguration: { readonly InputStartingPosition?: InputStartingPosition };
}

export interface ApplicationUpdate {
  readonly ApplicationCodeUpdate?: string;
  readonly InputUpdates?: readonly {
    readonly InputId: string;
    readonly NamePrefixUpdate?: string;
    readonly InputProcessingConfigurationUpdate?: unknown;
    readonly KinesisStreamsInputUpdate?: { readonly ResourceARNUpdate?: string; readonly RoleARNUpdate?: string };
    readonly KinesisFirehoseInputUpdate?: { readonly ResourceARNUpdate?: string; readonly RoleARNUpdate?: string };
    readonly InputSchemaUpdate?: { readonly RecordFormatUpdate?: SourceSchema['RecordFormat']; readonly RecordEncodingUpdate?: string; readonly RecordColumnUpdates?: SourceSchema['RecordColumns'] };
    readonly InputParallelismUpdate?: { readonly CountUpdate?: number };
  }[];
  readonly OutputUpdates?: readonly {
    readonly OutputId: string;
    readonly NameUpdate?: string;
    readonly KinesisStreamsOutputUpdate?: { readonly ResourceARNUpdate?: string; readonly RoleARNUpdate?: string };
    readonly KinesisFirehoseOutputUpdate?: { readonly ResourceARNUpdate?: string; readonly RoleARNUpdate?: string };
    readonly LambdaOutputUpdate?: unknown;
    readonly DestinationSchemaUpdate?: OutputSpec['DestinationSchema'];
  }[];
  readonly ReferenceDataSourceUpdates?: readonly {
    readonly ReferenceId: string;
    readonly TableNameUpdate?: string;
    readonly S3ReferenceDataSourceUpdate?: { readonly BucketARNUpdate?: string; readonly FileKeyUpdate?: string; readonly ReferenceRoleARNUpdate?: string };
    readonly ReferenceSchemaUpdate?: SourceSchema;
  }[];
  readonly CloudWatchLoggingOptionUpdates?: readonly { readonly CloudWatchLoggingOptionId: string; readonly LogStreamARNUpdate?: string; readonly RoleARNUpdate?: string }[];
}

/** An application as DescribeApplication shows it. */
export interface ApplicationView extends StoredApplication {
  readonly liveStatus: ApplicationStatus;
}

/** The in-application input stream names of an input: `<prefix>_001`, `_002`, … as its parallelism says. */
export function inAppStreamNames(input: InputSpec): string[] {
  const count = input.InputParallelism?.Count ?? 1;
  return Array.from({ length: count }, (_, i) => `${input.NamePrefix}_${String(i + 1).padStart(3, '0')}`);
}

/** An application's queries are named `kinesisanalytics/<application>/<key>`. */
const QUERY_NAME_PREFIX = 'kinesisanalytics/';

const notFound = (name: string): EddyError => new EddyError('ResourceNotFoundException', `Application ${name} not found.`);

export class ApplicationManager {
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private readonly maxApplications: number;
  /** Applications with an operation under way, and the status they show meanwhile. */
  private readonly busy = new Map<string, ApplicationStatus>();

  private constructor(
    private readonly options: ApplicationManagerOptions,
    private readonly applications: ApplicationStore,
  ) {
    this.clock = options.clock ?? systemClock;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.maxApplications = options.maxApplications ?? DEFAULT_MAX_APPLICATIONS;
  }

  /**
   * Opens the persisted applications. Call after the query manager resumed its queries: a RUNNING
   * application whose queries are missing (its catalog entries were lost) has them started again from
   * where it last stopped.
   */
  static async open(options: ApplicationManagerOptions): Promise<ApplicationManager> {
    const manager = new ApplicationManager(options, await ApplicationStore.open(options.dataDir));
    await manager.recover();
    return manager;
  }

  private async recover(): Promise<void> {
    // Queries a crash left behind (started by a StartApplication whose application was never recorded
    // RUNNING, or of an application since deleted) are stopped: no application owns them.
    const owned = new Set(this.applications.list().flatMap((a) => (a.status === 'RUNNING' ? a.pumps.map((p) => p.queryId) : [])));
    for (const q of this.options.queries.listQueries()) {
      if (q.name.startsWith(QUERY_NAME_PREFIX) && !owned.has(q.id)) await this.options.queries.stopQuery(q.id).catch(() => undefined);
    }
    const known = new Set(this.options.queries.listQueries().map((q) => q.id));
    for (const app of this.applications.list()) {
      if (app.status !== 'RUNNING' || app.pumps.every((p) => known.has(p.queryId))) continue;
      try {
        const pumps = await this.startPumps(app, async (key) => app.stoppedAt[key], app.pumps.filter((p) => known.has(p.queryId)));
        await this.applications.put({ ...app, pumps });
      } catch {
        // Left RUNNING with what it has; StopApplication and StartApplication start it afresh.
      }
    }
  }

  arnOf(name: string): string {
    return `arn:aws:kinesisanalytics:${this.region}:${this.accountId}:application/${name}`;
  }

  // ---- configuration ----

  async create(req: CreateApplicationRequest): Promise<ApplicationView> {
    // First: from the checks below to the name's reservation nothing may wait, or two creates could both pass them.
    await this.knowStreamsOf({ inputs: req.Inputs ?? [], outputs: req.Outputs ?? [] });
    const name = req.ApplicationName;
    if (this.applications.get(name) !== undefined || this.busy.has(name)) {
      throw new EddyError('ResourceInUseException', `Application ${name} already exists.`);
    }
    if (this.applications.size >= this.maxApplications) {
      throw new EddyError('LimitExceededException', `The account already has ${this.maxApplications} applications, the most it may have.`);
    }
    const tags = req.Tags ?? [];
    checkTags(tags);
    if ((req.Inputs?.length ?? 0) > MAX_INPUTS) throw new EddyError('LimitExceededException', `An application may have at most ${MAX_INPUTS} input.`);
    if ((req.Outputs?.length ?? 0) > MAX_OUTPUTS) throw new EddyError('LimitExceededException', `An application may have at most ${MAX_OUTPUTS} outputs.`);
    let nextId = 1;
    const inputs = (req.Inputs ?? []).map((input) => ({ ...input, InputId: `${nextId++}.1` }));
    const outputs = (req.Outputs ?? []).map((output) => ({ ...output, OutputId: `${nextId++}.1` }));
    const logging = (req.CloudWatchLoggingOptions ?? []).map((o) => ({ ...o, CloudWatchLoggingOptionId: `${nextId++}.1` }));
    const now = this.clock.now();
    const app: StoredApplication = {
      name,
      arn: this.arnOf(name),
      ...(req.ApplicationDescription === undefined ? {} : { description: req.ApplicationDescription }),
      code: req.ApplicationCode ?? '',
      status: 'READY',
      versionId: 1,
      createTimestamp: now,
      inputs,
      outputs,
      references: [],
      logging,
      tags,
      nextId,
      pumps: [],
      stoppedAt: {},
    };
    this.check(app);
    this.busy.set(name, 'READY');
    try {
      await this.applications.put(app);
    } finally {
      this.busy.delete(name);
    }
    return this.view(app);
  }

  describe(name: string): ApplicationView {
    const app = this.applications.get(name);
    if (app === undefined) throw notFound(name);
    return this.view(app);
  }

  /** Applications in name order after `exclusiveStart`, at most `limit` of them. */
  list(limit = 50, exclusiveStart?: string): { applications: ApplicationView[]; hasMore: boolean } {
    const after = this.applications.list().filter((a) => exclusiveStart === undefined || a.name > exclusiveStart);
    return { applications: after.slice(0, limit).map((a) => this.view(a)), hasMore: after.length > limit };
  }

  addInput(name: string, version: number, input: InputSpec): Promise<void> {
    return this.change(name, version, (app) => {
      if (app.inputs.length >= MAX_INPUTS) throw new EddyError('LimitExceededException', `Application ${name} already has ${MAX_INPUTS} input, the most an application may have.`);
      return { ...app, inputs: [...app.inputs, { ...input, InputId: `${app.nextId}.1` }], nextId: app.nextId + 1 };
    });
  }

  addInputProcessing(name: string, version: number, inputId: string): Promise<void> {
    return this.change(name, version, (app) => {
      findInput(app, inputId);
      throw new EddyError('UnsupportedOperationException', LAMBDA_PREPROCESSOR);
    });
  }

  deleteInputProcessing(name: string, version: number, inputId: string): Promise<void> {
    return this.change(name, version, (app) => {
      const input = findInput(app, inputId);
      if (input.InputProcessingConfiguration === undefined) throw new EddyError('ResourceNotFoundException', `Input ${inputId} of application ${name} has no input processing configuration.`);
      const { InputProcessingConfiguration: _, ...rest } = input;
      return { ...app, inputs: app.inputs.map((i) => (i.InputId === inputId ? rest : i)) };
    });
  }

  addOutput(name: string, version: number, output: OutputSpec): Promise<void> {
    return this.change(name, version, (app) => {
      if (app.outputs.length >= MAX_OUTPUTS) throw new EddyError('LimitExceededException', `Application ${name} already has ${MAX_OUTPUTS} outputs, the most an application may have.`);
      return { ...app, outputs: [...app.outputs, { ...output, OutputId: `${app.nextId}.1` }], nextId: app.nextId + 1 };
    });
  }

  deleteOutput(name: string, version: number, outputId: string): Promise<void> {
    return this.change(name, version, (app) => {
      if (!app.outputs.some((o) => o.OutputId === outputId)) throw new EddyError('ResourceNotFoundException', `Output ${outputId} of application ${name} not found.`);
      return { ...app, outputs: app.outputs.filter((o) => o.OutputId !== outputId) };
    });
  }

  addReference(name: string, version: number, reference: ReferenceDataSourceSpec): Promise<void> {
    return this.change(name, version, (app) => {
      if (app.references.length >= MAX_REFERENCE_SOURCES) {
        throw new EddyError('LimitExceededException', `Application ${name} already has ${MAX_REFERENCE_SOURCES} reference data source, the most an application may have.`);
      }
      return { ...app, references: [...app.references, { ...reference, ReferenceId: `${app.nextId}.1` }], nextId: app.nextId + 1 };
    });
  }

  deleteReference(name: string, version: number, referenceId: string): Promise<void> {
    return this.change(name, version, (app) => {
      if (!app.references.some((r) => r.ReferenceId === referenceId)) throw new EddyError('ResourceNotFoundException', `Reference data source ${referenceId} of application ${name} not found.`);
      return { ...app, references: app.references.filter((r) => r.ReferenceId !== referenceId) };
    });
  }

  addLogging(name: string, version: number, option: { readonly LogStreamARN: string; readonly RoleARN: string }): Promise<void> {
    return this.change(name, version, (app) => ({ ...app, logging: [...app.logging, { ...option, CloudWatchLoggingOptionId: `${app.nextId}.1` }], nextId: app.nextId + 1 }));
  }

  deleteLogging(name: string, version: number, id: string): Promise<void> {
    return this.change(name, version, (app) => {
      if (!app.logging.some((o) => o.CloudWatchLoggingOptionId === id)) throw new EddyError('ResourceNotFoundException', `CloudWatch logging option ${id} of application ${name} not found.`);
      return { ...app, logging: app.logging.filter((o) => o.CloudWatchLoggingOptionId !== id) };
    });
  }

  update(name: string, version: number, update: ApplicationUpdate): Promise<void> {
    return this.change(name, version, (app) => applyUpdate(app, update));
  }

  // ---- lifecycle ----

  async start(name: string, configurations: readonly InputConfiguration[]): Promise<void> {
    await this.exclusive(name, 'STARTING', async (app) => {
      if (app.status !== 'READY') throw new EddyError('ResourceInUseException', `Application ${name} is ${app.status}; only a READY application can be started.`);
      const positions = new Map<string, InputStartingPosition>();
      for (const c of configurations) {
        findInput(app, c.Id);
        positions.set(c.Id, c.InputStartingPositionConfiguration.InputStartingPosition ?? 'NOW');
      }
      const input = app.inputs[0];
      if (input === undefined) throw new EddyError('InvalidArgumentException', `Application ${name} has no input to read: add one with AddApplicationInput.`);
      const position = positions.get(input.InputId);
      if (position === undefined) throw new EddyError('InvalidArgumentException', `InputConfigurations must name the application's input ${input.InputId}.`);
      const stream = this.inputStream(input);
      const checkpointOf: CheckpointOf = async (key, plan) => {
        const own = app.stoppedAt[key];
        // Queries over in-application streams carry on from where they stopped (or from the streams'
        // ends): the starting position is the input's, and their rows come from the pumps reading it.
        if (sourceStream(plan) !== stream) return own ?? (await this.endOfStream(sourceStream(plan)));
        if (position === 'TRIM_HORIZON') return undefined;
        if (position === 'NOW') return this.endOfStream(stream);
        // LAST_STOPPED_POINT: where this pump stopped, or (a pump added since) where the application did.
        const other = Object.entries(app.stoppedAt).find(([k]) => k.startsWith('pump:'))?.[1];
        return own ?? (other === undefined ? undefined : positionsOnly(other));
      };
      const pumps = await this.startPumps(app, checkpointOf, []);
      const inputs = app.inputs.map((i) => (i.InputId === input.InputId ? { ...i, InputStartingPosition: position } : i));
      await this.save({ ...app, inputs, status: 'RUNNING', pumps });
    });
  }

  async stop(name: string): Promise<void> {
    await this.exclusive(name, 'STOPPING', async (app) => {
      if (app.status !== 'RUNNING') return;
      const stoppedAt = await this.stopPumps(app.pumps);
      await this.save({ ...app, status: 'READY', pumps: [], stoppedAt: Object.keys(stoppedAt).length > 0 ? stoppedAt : app.stoppedAt });
    });
  }

  async delete(name: string, createTimestamp: number): Promise<void> {
    await this.exclusive(name, 'DELETING', async (app) => {
      // The wire carries seconds with a fraction; the application's time is kept to the millisecond.
      if (Math.abs(app.createTimestamp - createTimestamp) >= 1) {
        throw new EddyError('InvalidArgumentException', `CreateTimestamp does not match the creation time of application ${name}: describe it to get that time.`);
      }
      await this.stopPumps(app.pumps);
      await this.dropArtifacts(app);
      await this.applications.remove(name);
    });
  }

  // ---- schema discovery ----

  /** Samples a stream, delivery stream or reference file and infers the schema an input would read it with. */
  async discover(req: DiscoverRequest): Promise<DiscoveredSchema> {
    if (req.InputProcessingConfiguration !== undefined) throw new EddyError('InvalidArgumentException', LAMBDA_PREPROCESSOR);
    if (req.S3Configuration !== undefined) return discoverSchema(await this.sampleFile(req.S3Configuration));
    const arn = req.ResourceARN;
    if (arn === undefined) throw new EddyError('InvalidArgumentException', 'DiscoverInputSchema needs a ResourceARN (a Kinesis stream or Firehose delivery stream) or an S3Configuration.');
    const source = { ResourceARN: arn, RoleARN: req.RoleARN ?? '' };
    const named = streamNameInArn(arn);
    if (named !== undefined) await this.options.store.knowStream(named);
    const stream = /:firehose:/.test(arn) ? this.inputStream({ ...INPUT_STUB, KinesisFirehoseInput: source }) : this.kinesisStream(source, 'input');
    return discoverSchema(await sampleStream(this.options.store, stream, req.InputStartingPositionConfiguration?.InputStartingPosition ?? 'NOW'));
  }

  /** The first lines of a file under the tables directory, as records to sample. */
  private async sampleFile(s3: { readonly BucketARN: string; readonly FileKey: string }): Promise<string[]> {
    const dir = this.options.tables?.dir;
    if (dir === undefined) throw new EddyError('InvalidArgumentException', 'This server has no tables directory to read S3 objects from: start it with a data directory or --tables-dir.');
    const path = join(dir, referencePath(s3));
    let text: string;
    try {
      // A link inside the tables directory may not lead out of it.
      const [realDir, realPath] = await Promise.all([realpath(dir), realpath(path)]);
      if (!realPath.startsWith(realDir + sep)) throw new EddyError('InvalidArgumentException', `S3 object ${s3.FileKey} in ${s3.BucketARN} leads out of the tables directory.`);
      const handle = await open(realPath, 'r');
      try {
        const buffer = Buffer.alloc(MAX_SAMPLED_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        text = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new EddyError('InvalidArgumentException', `S3 object ${s3.FileKey} in ${s3.BucketARN} does not exist (Eddy reads it from ${referencePath(s3)} under the tables directory).`);
      }
      throw e;
    }
    return text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, MAX_SAMPLED_RECORDS);
  }

  // ---- tags ----

  listTags(arn: string): Tag[] {
    return [...this.byArn(arn).tags];
  }

  async tag(arn: string, tags: readonly Tag[]): Promise<void> {
    const name = this.byArn(arn).name;
    await this.exclusive(name, undefined, async (app) => {
      const merged = new Map(app.tags.map((t) => [t.Key, t]));
      for (const t of tags) merged.set(t.Key, t);
      checkTags([...merged.values()]);
      await this.applications.put({ ...app, tags: [...merged.values()] });
    });
  }

  async untag(arn: string, keys: readonly string[]): Promise<void> {
    const name = this.byArn(arn).name;
    await this.exclusive(name, undefined, async (app) => {
      await this.applications.put({ ...app, tags: app.tags.filter((t) => !keys.includes(t.Key)) });
    });
  }

  private byArn(arn: string): StoredApplication {
    const name = /^arn:aws:kinesisanalytics:[^:]+:\d{12}:application\/(.+)$/.exec(arn)?.[1];
    const app = name === undefined || arn !== this.arnOf(name) ? undefined : this.applications.get(name);
    if (app === undefined) throw new EddyError('ResourceNotFoundException', `Application with ARN ${arn} not found.`);
    return app;
  }

  // ---- running ----

  /**
   * Compiles the application and starts a query for each pump and output whose key is not in `keep`,
   * each from the checkpoint `checkpointOf` gives its key. Either every query starts, or none is left
   * running.
   */
  private async startPumps(app: StoredApplication, checkpointOf: CheckpointOf, keep: readonly RunningPump[]): Promise<RunningPump[]> {
    const { compiled, queries: planned } = this.plan(app);
    await this.prepare(app, compiled);
    // Every query's position is fixed before any starts: a pump starting writes to the in-application
    // streams whose ends the queries reading them start from.
    const toStart = planned.filter((p) => !keep.some((k) => k.key === p.key));
    const checkpoints = new Map<string, QueryCheckpoint | undefined>();
    for (const p of toStart) checkpoints.set(p.key, await checkpointOf(p.key, p.plan));
    const started: RunningPump[] = [...keep];
    try {
      for (const p of toStart) {
        const queryId = randomUUID();
        const checkpoint = checkpoints.get(p.key);
        await this.options.queries.startQuery(p.plan, { id: queryId, name: `${QUERY_NAME_PREFIX}${app.name}/${p.key}`, sql: p.sql, ...(checkpoint === undefined ? {} : { checkpoint }) });
        started.push({ key: p.key, queryId });
      }
    } catch (e) {
      await this.stopPumps(started.filter((s) => !keep.includes(s))).catch(() => undefined);
      throw e;
    }
    return started;
  }

  /** Stops the queries with a final checkpoint each, returned by pump key. */
  private async stopPumps(pumps: readonly RunningPump[]): Promise<Record<string, QueryCheckpoint>> {
    const stopped: Record<string, QueryCheckpoint> = {};
    for (const p of pumps) {
      try {
        const checkpoint = await this.options.queries.suspendQuery(p.queryId);
        if (checkpoint !== undefined) stopped[p.key] = checkpoint;
      } catch (e) {
        // A query deleted through the SQL API is already gone.
        if (!(isEddyError(e) && e.code === 'ResourceNotFoundException')) throw e;
      }
    }
    return stopped;
  }

  /**
   * The queries that run the application, each under a key that stays the same while the code and
   * outputs do: a pump (`pump:<name>`) or an output (`output:<id>`), which copies the rows of the
   * in-application stream it names to its destination.
   */
  private plan(app: StoredApplication): { compiled: CompiledApplication; queries: PlannedQuery[] } {
    const compiled = this.compile(app);
    const queries: PlannedQuery[] = compiled.pumps.map((p) => ({ key: `pump:${p.name}`, sql: p.sql, plan: p.plan }));
    for (const output of app.outputs) {
      const binding = bindingOf(compiled, output.Name);
      if (binding === undefined) continue;
      const format = output.DestinationSchema.RecordFormatType === 'CSV' ? 'csv' : 'json';
      const destination = this.outputStream(output);
      queries.push({ key: `output:${output.OutputId}`, sql: `-- output ${output.OutputId}: ${binding.inApplication} to ${destination} as ${format}`, plan: outputPlan(binding, destination, format) });
    }
    return { compiled, queries };
  }

  /** Compiles the code against the application's inputs and reference tables. */
  private compile(app: StoredApplication): CompiledApplication {
    const source: ApplicationSource = {
      name: app.name,
      code: app.code,
      inputs: app.inputs.map((input) => ({
        namePrefix: input.NamePrefix,
        stream: this.inputStream(input),
        ...(input.InputParallelism?.Count === undefined ? {} : { parallelism: input.InputParallelism.Count }),
        ...kdaSchema(input.InputSchema),
      })),
      referenceTables: app.references.map((r) => {
        const s3 = r.S3ReferenceDataSource;
        if (s3 === undefined) throw new EddyError('InvalidArgumentException', `Reference data source ${r.ReferenceId} of application ${app.name} names no S3ReferenceDataSource.`);
        return { tableName: r.TableName, path: referencePath(s3), ...kdaSchema(r.ReferenceSchema) };
      }),
    };
    return compileApplication(source, this.options.catalog);
  }

  /**
   * What the queries need before they start: the reference tables, read now (KDA read them once, at
   * start and on update), and the in-application streams, which live as long as the application.
   */
  private async prepare(app: StoredApplication, compiled: CompiledApplication): Promise<void> {
    const { store, catalog, tables } = this.options;
    // Streams and tables the code no longer declares (it was updated) go.
    await this.dropArtifacts(app, new Set([...compiled.streams.map((s) => s.name), ...compiled.tables.map((t) => t.name)]));
    if (compiled.tables.length > 0 && tables === undefined) {
      throw new EddyError('InvalidArgumentException', 'Reference data sources need a tables directory: start the server with a data directory or --tables-dir.');
    }
    for (const table of compiled.tables) {
      await tables!.load(table);
      await catalog.putTable(table);
    }
    // Rows keep their input's ROWTIME through the pumps (it is their arrival time in each in-application
    // stream), so the streams keep records as long as the inputs do: a replay of old input is not trimmed.
    const inputs: string[] = [];
    for (const b of compiled.bindings) if (b.kind === 'input' && (await streamExists(store, b.stream))) inputs.push(b.stream);
    const retention = Math.max(0, ...inputs.map((stream) => store.describeStream(stream).retentionPeriodHours));
    for (const stream of compiled.streams) {
      if (!(await streamExists(store, stream.name))) await store.createStream(stream.name, { shardCount: 1 });
      if (store.describeStream(stream.name).retentionPeriodHours < retention) await store.increaseRetentionPeriod(stream.name, retention);
      await catalog.putStream(stream);
    }
  }

  /** Deletes the application's in-application streams and reference tables, but those in `keep`. */
  private async dropArtifacts(app: StoredApplication, keep: ReadonlySet<string> = new Set()): Promise<void> {
    const { store, catalog } = this.options;
    const prefix = applicationStreamName(app.name, 'x').slice(0, -1);
    const ours = (name: string): boolean => name.startsWith(prefix) && !keep.has(name);
    for (const s of store.listStreams()) if (ours(s.streamName)) await store.deleteStream(s.streamName).catch(() => undefined);
    for (const name of catalog.streamNames()) if (ours(name)) await catalog.dropStream(name);
    for (const t of catalog.listTables()) if (ours(t.name)) await catalog.dropTable(t.name);
  }

  /** The stream in Eddy's store an input reads. */
  private inputStream(input: StoredInput | InputSpec): string {
    if (input.KinesisStreamsInput !== undefined) return this.kinesisStream(input.KinesisStreamsInput, 'input');
    if (input.KinesisFirehoseInput !== undefined) {
      const record = this.deliveryStream(input.KinesisFirehoseInput).record;
      const stream = record.internalStream ?? record.source?.streamName;
      if (stream === undefined) throw new EddyError('InvalidArgumentException', `Delivery stream ${record.name} has no records an application can read.`);
      return stream;
    }
    throw new EddyError('InvalidArgumentException', 'An input needs KinesisStreamsInput or KinesisFirehoseInput.');
  }

  /** The stream a query writes an output's records to: a Kinesis stream, or a DirectPut delivery stream's own. */
  private outputStream(output: OutputSpec): string {
    if (output.KinesisStreamsOutput !== undefined) return this.kinesisStream(output.KinesisStreamsOutput, 'output');
    if (output.KinesisFirehoseOutput !== undefined) {
      const record = this.deliveryStream(output.KinesisFirehoseOutput).record;
      if (record.internalStream === undefined) {
        throw new EddyError('InvalidArgumentException', `Delivery stream ${record.name} reads a Kinesis stream, so it takes no records from an application; write to that stream instead.`);
      }
      return record.internalStream;
    }
    if (output.LambdaOutput !== undefined) throw new EddyError('InvalidArgumentException', LAMBDA_OUTPUT);
    throw new EddyError('InvalidArgumentException', `Output ${output.Name} needs KinesisStreamsOutput or KinesisFirehoseOutput.`);
  }

  /**
   * Has the store read the Kinesis streams an application's inputs and outputs name from a shared
   * storage, if it has not heard of them yet (created through another process a moment ago), so that
   * the checks find them.
   */
  private async knowStreamsOf(app: {
    readonly inputs: readonly { readonly KinesisStreamsInput?: { readonly ResourceARN: string } | undefined }[];
    readonly outputs: readonly { readonly KinesisStreamsOutput?: { readonly ResourceARN: string } | undefined }[];
  }): Promise<void> {
    const arns = [...app.inputs.map((i) => i.KinesisStreamsInput?.ResourceARN), ...app.outputs.map((o) => o.KinesisStreamsOutput?.ResourceARN)];
    for (const arn of arns) {
      const named = arn === undefined ? undefined : streamNameInArn(arn);
      if (named !== undefined) await this.options.store.knowStream(named);
    }
  }

  private kinesisStream(target: ResourceRole, role: 'input' | 'output'): string {
    let name: string;
    try {
      name = this.options.store.streamNameFromArn(target.ResourceARN);
      this.options.store.describeStream(name);
    } catch (e) {
      if (isEddyError(e) && e.fault === 'user') throw new EddyError('InvalidArgumentException', `The ${role} Kinesis stream ${target.ResourceARN} does not exist.`);
      throw e;
    }
    return name;
  }

  private deliveryStream(target: ResourceRole): ReturnType<DeliveryManager['describeDeliveryStream']> {
    const delivery = this.options.delivery;
    const name = /^arn:aws[^:]*:firehose:[^:]*:\d{12}:deliverystream\/([a-zA-Z0-9_.-]+)$/.exec(target.ResourceARN)?.[1];
    if (name === undefined) throw new EddyError('InvalidArgumentException', `${target.ResourceARN} is not the ARN of a Firehose delivery stream.`);
    if (delivery === undefined) throw new EddyError('InvalidArgumentException', 'This server has no delivery streams: start it with a data directory or --files-root.');
    try {
      return delivery.describeDeliveryStream(name);
    } catch (e) {
      if (isEddyError(e) && e.code === 'ResourceNotFoundException') throw new EddyError('InvalidArgumentException', `The delivery stream ${target.ResourceARN} does not exist.`);
      throw e;
    }
  }

  /** NOW: after each shard's last record, so the application reads only what is put from here on. */
  private async endOfStream(stream: string): Promise<QueryCheckpoint> {
    const store = this.options.store;
    const shards: Record<string, ShardCheckpoint> = {};
    for (const shard of store.describeStream(stream).shards) {
      const cursor = store.openCursor(stream, shard.shardId, { type: 'LATEST' });
      const last = cursor.continuationSequenceNumber;
      cursor.close();
      if (last !== undefined) shards[shard.shardId] = { after: last };
    }
    return { shards };
  }

  /**
   * Checks a configuration as the service checked it when it was given: schemas Eddy can read, inputs
   * and outputs that exist, code that compiles.
   */
  private check(app: StoredApplication): void {
    for (const input of app.inputs) {
      if (input.InputProcessingConfiguration !== undefined) throw new EddyError('InvalidArgumentException', LAMBDA_PREPROCESSOR);
      if ((input.KinesisStreamsInput === undefined) === (input.KinesisFirehoseInput === undefined)) {
        throw new EddyError('InvalidArgumentException', 'An input needs exactly one of KinesisStreamsInput and KinesisFirehoseInput.');
      }
      this.inputStream(input);
      streamSchemaOf(input.NamePrefix, input.InputSchema);
    }
    for (const output of app.outputs) {
      const destinations = [output.KinesisStreamsOutput, output.KinesisFirehoseOutput, output.LambdaOutput].filter((d) => d !== undefined).length;
      if (destinations !== 1) throw new EddyError('InvalidArgumentException', `Output ${output.Name} needs exactly one of KinesisStreamsOutput, KinesisFirehoseOutput and LambdaOutput.`);
      this.outputStream(output);
    }
    const compiled = this.compile(app);
    if (app.code.trim() === '') return;
    // The code must create the in-application streams the outputs name, as the service required.
    for (const output of app.outputs) {
      if (bindingOf(compiled, output.Name) === undefined) {
        throw new EddyError('CodeValidationException', `Output ${output.OutputId} writes the in-application stream ${output.Name}, which the application code does not create.`);
      }
    }
  }

  // ---- plumbing ----

  /**
   * Applies a change of configuration: the version must be the current one, the result must pass the
   * checks, and a running application carries on with it, each query from where it stood.
   */
  private change(name: string, version: number, fn: (app: StoredApplication) => StoredApplication): Promise<void> {
    return this.exclusive(name, 'UPDATING', async (app) => {
      if (version !== app.versionId) {
        throw new EddyError('ConcurrentModificationException', `Application ${name} is at version ${app.versionId}, not ${version}: describe it for the current version id and try again.`);
      }
      const changed = fn(app);
      await this.knowStreamsOf(changed);
      this.check(changed);
      const next = { ...changed, versionId: app.versionId + 1, lastUpdateTimestamp: this.clock.now() };
      if (app.status !== 'RUNNING') return this.save(next);
      // Each query restarts from where it stopped; a changed plan keeps the positions but not the state.
      const plans = new Map(planKeys(() => this.plan(app).queries));
      const stopped = await this.stopPumps(app.pumps);
      let pumps: RunningPump[];
      try {
        pumps = await this.startPumps(
          next,
          async (key, plan) => {
            const own = stopped[key];
            if (own !== undefined && plans.get(key) === JSON.stringify(plan)) return own;
            if (own !== undefined) return positionsOnly(own);
            // A query that did not run before starts at the end of what it reads.
            return this.endOfStream(sourceStream(plan));
          },
          [],
        );
      } catch (e) {
        // The application goes on as it was, from where it stopped.
        const restored = await this.startPumps(app, async (key) => stopped[key], []).catch(() => []);
        await this.save({ ...app, pumps: restored });
        throw e;
      }
      await this.save({ ...next, pumps });
    });
  }

  /** Runs fn on the application with `status` showing meanwhile; another operation meanwhile is refused. */
  private async exclusive<T>(name: string, status: ApplicationStatus | undefined, fn: (app: StoredApplication) => Promise<T>): Promise<T> {
    const app = this.applications.get(name);
    if (app === undefined) throw notFound(name);
    const under = this.busy.get(name);
    if (under !== undefined) throw new EddyError('ResourceInUseException', `Application ${name} is ${under}; try again once that is over.`);
    this.busy.set(name, status ?? app.status);
    try {
      return await fn(app);
    } finally {
      this.busy.delete(name);
    }
  }

  private save(app: StoredApplication): Promise<void> {
    return this.applications.put(app);
  }

  private view(app: StoredApplication): ApplicationView {
    return { ...app, liveStatus: this.busy.get(app.name) ?? app.status };
  }
}

export interface DiscoverRequest {
  readonly ResourceARN?: string;
  readonly RoleARN?: string;
  readonly InputStartingPositionConfiguration?: { readonly InputStartingPosition?: InputStartingPosition };
  readonly S3Configuration?: { readonly RoleARN: string; readonly BucketARN: string; readonly FileKey: string };
  readonly InputProcessingConfiguration?: unknown;
}

const INPUT_STUB: InputSpec = { NamePrefix: 'DISCOVERY', InputSchema: { RecordFormat: { RecordFormatType: 'JSON' }, RecordColumns: [] } };

const LAMBDA_PREPROCESSOR =
  'InputProcessingConfiguration (an AWS Lambda preprocessor) is not supported by Eddy: preprocess the records before they reach the input stream, or in the application code.';
const LAMBDA_OUTPUT = 'LambdaOutput is not supported by Eddy: write the output to a Kinesis stream and consume it with an event source mapping (the Lambda API).';

function findInput(app: StoredApplication, inputId: string): StoredInput {
  const input = app.inputs.find((i) => i.InputId === inputId);
  if (input === undefined) throw new EddyError('ResourceNotFoundException', `Input ${inputId} of application ${app.name} not found.`);
  return input;
}

function checkTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_USER_TAGS) throw new EddyError('TooManyTagsException', `An application may have at most ${MAX_USER_TAGS} tags; this one would have ${tags.length}.`);
}

/** One query of a running application: its key, its text for listings, and its plan. */
interface PlannedQuery {
  readonly key: string;
  readonly sql: string;
  readonly plan: QueryPlan;
}

/** Where a query of an application starts: a checkpoint, or undefined for TRIM_HORIZON. */
type CheckpointOf = (key: string, plan: QueryPlan) => Promise<QueryCheckpoint | undefined>;

/** Each query's plan as text, by key; none when the configuration no longer compiles. */
function planKeys(plan: () => readonly PlannedQuery[]): [string, string][] {
  try {
    return plan().map((p) => [p.key, JSON.stringify(p.plan)]);
  } catch {
    return [];
  }
}


/** A SourceSchema in the terms of the SQL front end's KDA inputs and tables (checked first by streamSchemaOf). */
function kdaSchema(schema: SourceSchema): { columns: KdaRecordColumn[]; format: KdaRecordFormat } {
  streamSchemaOf('schema', schema);
  const columns = schema.RecordColumns.map((c) => ({ name: c.Name, sqlType: c.SqlType, ...(c.Mapping === undefined ? {} : { mapping: c.Mapping }) }));
  const f = schema.RecordFormat;
  const csv = f.MappingParameters?.CSVMappingParameters;
  const format: KdaRecordFormat =
    f.RecordFormatType === 'CSV'
      ? { type: 'CSV', ...(csv === undefined ? {} : { recordColumnDelimiter: unescape(csv.RecordColumnDelimiter), recordRowDelimiter: unescape(csv.RecordRowDelimiter) }) }
      : { type: 'JSON', ...(f.MappingParameters?.JSONMappingParameters === undefined ? {} : { recordRowPath: f.MappingParameters.JSONMappingParameters.RecordRowPath }) };
  return { columns, format };
}

/** A checkpoint's shard positions alone, for a plan other than the one that took it. */
function positionsOnly(checkpoint: QueryCheckpoint): QueryCheckpoint {
  return { shards: checkpoint.shards };
}

/** The file an S3 reference data source is read from: `<bucket>/<key>` under the tables directory. */
export function referencePath(s3: { readonly BucketARN: string; readonly FileKey: string }): string {
  const bucket = /^arn:aws[^:]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(s3.BucketARN)?.[1];
  if (bucket === undefined) throw new EddyError('InvalidArgumentException', `${s3.BucketARN} is not the ARN of an S3 bucket.`);
  const segments = s3.FileKey.split('/');
  if (s3.FileKey.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || /[\u0000-\u001f\\]/.test(s3.FileKey)) {
    throw new EddyError('InvalidArgumentException', `FileKey ${JSON.stringify(s3.FileKey)} cannot name a file under the tables directory.`);
  }
  return `${bucket}/${s3.FileKey}`;
}

/** An UpdateApplication's changes applied to the application (checked afterwards like any change). */
function applyUpdate(app: StoredApplication, update: ApplicationUpdate): StoredApplication {
  let next: StoredApplication = update.ApplicationCodeUpdate === undefined ? app : { ...app, code: update.ApplicationCodeUpdate };
  for (const u of update.InputUpdates ?? []) {
    const input = findInput(next, u.InputId);
    if (u.InputProcessingConfigurationUpdate !== undefined) throw new EddyError('InvalidArgumentException', LAMBDA_PREPROCESSOR);
    const schema = u.InputSchemaUpdate;
    const changed: StoredInput = {
      ...input,
      ...(u.NamePrefixUpdate === undefined ? {} : { NamePrefix: u.NamePrefixUpdate }),
      ...(u.KinesisStreamsInputUpdate === undefined ? {} : { KinesisStreamsInput: mergeRole(input.KinesisStreamsInput, u.KinesisStreamsInputUpdate) }),
      ...(u.KinesisFirehoseInputUpdate === undefined ? {} : { KinesisFirehoseInput: mergeRole(input.KinesisFirehoseInput, u.KinesisFirehoseInputUpdate) }),
      ...(u.InputParallelismUpdate?.CountUpdate === undefined ? {} : { InputParallelism: { Count: u.InputParallelismUpdate.CountUpdate } }),
      ...(schema === undefined
        ? {}
        : {
            InputSchema: {
              RecordFormat: schema.RecordFormatUpdate ?? input.InputSchema.RecordFormat,
              RecordColumns: schema.RecordColumnUpdates ?? input.InputSchema.RecordColumns,
              ...(schema.RecordEncodingUpdate ?? input.InputSchema.RecordEncoding ? { RecordEncoding: schema.RecordEncodingUpdate ?? input.InputSchema.RecordEncoding! } : {}),
            },
          }),
    };
    next = { ...next, inputs: next.inputs.map((i) => (i.InputId === u.InputId ? changed : i)) };
  }
  for (const u of update.OutputUpdates ?? []) {
    const output = next.outputs.find((o) => o.OutputId === u.OutputId);
    if (output === undefined) throw new EddyError('ResourceNotFoundException', `Output ${u.OutputId} of application ${app.name} not found.`);
    if (u.LambdaOutputUpdate !== undefined) throw new EddyError('InvalidArgumentException', LAMBDA_OUTPUT);
    const { KinesisStreamsOutput, KinesisFirehoseOutput, ...rest } = output;
    const changed: StoredOutput = {
      ...rest,
      ...(u.NameUpdate === undefined ? {} : { Name: u.NameUpdate }),
      ...(u.DestinationSchemaUpdate === undefined ? {} : { DestinationSchema: u.DestinationSchemaUpdate }),
      // A new destination replaces the old one, of whichever kind.
      ...(u.KinesisStreamsOutputUpdate !== undefined
        ? { KinesisStreamsOutput: mergeRole(KinesisStreamsOutput, u.KinesisStreamsOutputUpdate) }
        : u.KinesisFirehoseOutputUpdate !== undefined
          ? { KinesisFirehoseOutput: mergeRole(KinesisFirehoseOutput, u.KinesisFirehoseOutputUpdate) }
          : { ...(KinesisStreamsOutput ? { KinesisStreamsOutput } : {}), ...(KinesisFirehoseOutput ? { KinesisFirehoseOutput } : {}) }),
    };
    next = { ...next, outputs: next.outputs.map((o) => (o.OutputId === u.OutputId ? changed : o)) };
  }
  for (const u of update.ReferenceDataSourceUpdates ?? []) {
    const reference = next.references.find((r) => r.ReferenceId === u.ReferenceId);
    if (reference === undefined) throw new EddyError('ResourceNotFoundException', `Reference data source ${u.ReferenceId} of application ${app.name} not found.`);
    const s3 = u.S3ReferenceDataSourceUpdate;
    const old = reference.S3ReferenceDataSource;
    const changed: StoredReference = {
      ...reference,
      ...(u.TableNameUpdate === undefined ? {} : { TableName: u.TableNameUpdate }),
      ...(u.ReferenceSchemaUpdate === undefined ? {} : { ReferenceSchema: u.ReferenceSchemaUpdate }),
      ...(s3 === undefined
        ? {}
        : {
            S3ReferenceDataSource: {
              BucketARN: s3.BucketARNUpdate ?? old?.BucketARN ?? '',
              FileKey: s3.FileKeyUpdate ?? old?.FileKey ?? '',
              ReferenceRoleARN: s3.ReferenceRoleARNUpdate ?? old?.ReferenceRoleARN ?? '',
            },
          }),
    };
    next = { ...next, references: next.references.map((r) => (r.ReferenceId === u.ReferenceId ? changed : r)) };
  }
  for (const u of update.CloudWatchLoggingOptionUpdates ?? []) {
    const option = next.logging.find((o) => o.CloudWatchLoggingOptionId === u.CloudWatchLoggingOptionId);
    if (option === undefined) throw new EddyError('ResourceNotFoundException', `CloudWatch logging option ${u.CloudWatchLoggingOptionId} of application ${app.name} not found.`);
    const changed: LoggingOption = { ...option, ...(u.LogStreamARNUpdate === undefined ? {} : { LogStreamARN: u.LogStreamARNUpdate }), ...(u.RoleARNUpdate === undefined ? {} : { RoleARN: u.RoleARNUpdate }) };
    next = { ...next, logging: next.logging.map((o) => (o.CloudWatchLoggingOptionId === u.CloudWatchLoggingOptionId ? changed : o)) };
  }
  return next;
}

function mergeRole(old: ResourceRole | undefined, update: { readonly ResourceARNUpdate?: string; readonly RoleARNUpdate?: string }): ResourceRole {
  const ResourceARN = update.ResourceARNUpdate ?? old?.ResourceARN;
  const RoleARN = update.RoleARNUpdate ?? old?.RoleARN;
  if (ResourceARN === undefined || RoleARN === undefined) throw new EddyError('InvalidArgumentException', 'A new destination or source needs both ResourceARNUpdate and RoleARNUpdate.');
  return { ResourceARN, RoleARN };
}

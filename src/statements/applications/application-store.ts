// Where applications persist: one JSON file under the data directory, written whole (fsynced, then
// renamed into place) after every change, so a crash leaves the applications as they were before or
// after the change, never half of it. Without a data directory they live in memory only.

import { join } from 'node:path';
import { EddyError, readJsonFile, writeFileAtomic } from '../../engine/index.js';
import type { StoredApplication } from './application.js';

export const APPLICATIONS_FILE = 'kinesis-analytics-applications.json';

interface ApplicationsFile {
  readonly version: 1;
  readonly applications: readonly StoredApplication[];
}

export class ApplicationStore {
  private readonly path: string | undefined;
  /** Writes run one at a time, each with the applications as they are when it starts. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    dataDir: string | undefined,
    private readonly applications: Map<string, StoredApplication>,
  ) {
    this.path = dataDir === undefined ? undefined : join(dataDir, APPLICATIONS_FILE);
  }

  static async open(dataDir: string | undefined): Promise<ApplicationStore> {
    const file = dataDir === undefined ? undefined : await readJsonFile<ApplicationsFile>(join(dataDir, APPLICATIONS_FILE));
    if (file !== undefined && file.version !== 1) {
      throw new EddyError('InternalFailure', `${APPLICATIONS_FILE} is in form ${JSON.stringify(file.version)}, which this version of Eddy does not read`);
    }
    return new ApplicationStore(dataDir, new Map((file?.applications ?? []).map((a) => [a.name, a])));
  }

  get(name: string): StoredApplication | undefined {
    return this.applications.get(name);
  }

  /** Every application, by name. */
  list(): StoredApplication[] {
    return [...this.applications.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.applications.size;
  }

  /** Records the application and resolves once that is durable; on failure the previous record is kept. */
  async put(application: StoredApplication): Promise<void> {
    const before = this.applications.get(application.name);
    this.applications.set(application.name, application);
    try {
      await this.persist();
    } catch (e) {
      if (this.applications.get(application.name) === application) {
        if (before === undefined) this.applications.delete(application.name);
        else this.applications.set(application.name, before);
      }
      throw e;
    }
  }

  async remove(name: string): Promise<void> {
    const before = this.applications.get(name);
    if (before === undefined) return;
    this.applications.delete(name);
    try {
      await this.persist();
    } catch (e) {
      if (!this.applications.has(name)) this.applications.set(name, before);
      throw e;
    }
  }

  private persist(): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const write = this.writing.catch(() => undefined).then(() => {
      const file: ApplicationsFile = { version: 1, applications: this.list() };
      return writeFileAtomic(path, JSON.stringify(file));
    });
    this.writing = write;
    return write;
  }
}

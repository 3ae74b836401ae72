// Resources created during a run, recorded the moment they exist, so that a failed or
// interrupted run can remove exactly what it made, in reverse order, and nothing else.

export interface JournalEntry {
  /** e.g. "instance", "elastic IP", "A record". */
  kind: string;
  /** What identifies it to a person: i-0abc (puppet), 203.0.113.5, … */
  id: string;
  undo(): Promise<void>;
}

export interface RollbackReport {
  removed: string[];
  failed: string[];
}

export class Journal {
  private readonly entries: JournalEntry[] = [];

  record(entry: JournalEntry): void {
    this.entries.push(entry);
  }

  /** Drops an entry that was removed or handed over on purpose (e.g. deleted by the task). */
  forget(kind: string, id: string): void {
    const i = this.entries.findIndex((e) => e.kind === kind && e.id === id);
    if (i >= 0) this.entries.splice(i, 1);
  }

  list(): readonly JournalEntry[] {
    return this.entries;
  }

  describe(): string[] {
    return this.entries.map((e) => `${e.kind} ${e.id}`);
  }

  /** Undoes every entry, newest first; one failure does not stop the rest. */
  async rollback(): Promise<RollbackReport> {
    const report: RollbackReport = { removed: [], failed: [] };
    while (this.entries.length > 0) {
      // Listed until its undo has answered, so describe() during a rollback (a second
      // Ctrl-C) still names it.
      const entry = this.entries[this.entries.length - 1]!;
      const label = `${entry.kind} ${entry.id}`;
      try {
        await entry.undo();
        report.removed.push(label);
      } catch (err) {
        report.failed.push(`${label} (${(err as Error).message})`);
      } finally {
        const i = this.entries.lastIndexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
      }
    }
    return report;
  }
}

// Signing for many agents on one CA. One sign command runs at a time per master (Puppet's
// file CA up to 5 counts serial numbers in a file without a lock), and every request that
// arrives while one runs goes into the next command together: `puppet cert sign A B C`,
// `puppetserver ca sign --certname A,B,C`. Twenty agents enrolling at once cost a couple
// of commands on the master instead of twenty, one after the other.

/** Signs these certnames in one command; rejects when the command fails for any of them. */
export type SignMany = (certnames: string[]) => Promise<void>;

interface Waiting {
  certname: string;
  sign: SignMany;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class SignQueue {
  private waiting: Waiting[] = [];
  private draining = false;

  /**
   * Resolves once `certname` is signed. `sign` is the caller's own way to the master; the
   * first caller of a batch signs for all of it. When a batch of several fails, each is
   * signed alone, so every caller gets the outcome (and the CA's reason) of its own name.
   */
  sign(certname: string, sign: SignMany): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ certname, sign, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0);
        try {
          await batch[0]!.sign(batch.map((w) => w.certname));
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const w of batch) await w.sign([w.certname]).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

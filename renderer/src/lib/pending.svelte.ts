/** An action a view starts on request: whether it is under way, and why it failed last. */
export class Pending {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `f`, keeping its failure's message instead of throwing; undefined if it failed. */
  async run<T>(f: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    try {
      return await f();
    } catch (e) {
      this.error = (e as Error).message;
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Runs tasks one at a time, in the order they were given: each starts after the previous one
 * settled. A task's failure reaches its own caller only; the next task runs regardless.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

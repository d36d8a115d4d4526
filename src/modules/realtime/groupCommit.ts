/**
 * Group commit per key (issue 10): concurrent small calls for one
 * organization are written by one transaction instead of one each.
 *
 * A call for a key with no transaction in flight starts a group at the end of
 * the event loop's current turn (`setImmediate`: no timer, no added delay on
 * an idle server), so the calls whose requests were read in the same turn go
 * with it. This matters on the embedded database, whose statements run
 * synchronously in this thread: a transaction there ends before the next
 * request is even read, and without the turn every call was a group of one.
 * Calls arriving while a transaction for that key is in flight wait in a
 * queue; when it ends, the next group takes the whole queue (at most
 * `maxGroup` calls, in arrival order). `runGroup` answers every call of
 * the group, each its own result, exactly as if it had run alone at that
 * place in the order. When the group's transaction fails (a database error),
 * each call of the group is retried in a transaction of its own, so one
 * call's failure never becomes another's.
 *
 * A group may also take in the calls that arrived while its transaction was
 * waiting for the organization lock: `runGroup` calls `join()` once the lock
 * is granted and decides the calls it returns, the joined ones after the others. Where another
 * writer holds the lock (a hold group while a capture group writes, another
 * server), those calls would otherwise wait for a whole further transaction.
 *
 * This orders calls within one server; across servers the organization row
 * lock taken by `runGroup` still serializes writers.
 */
export interface GroupRunner<In, Out> {
  /**
   * All calls of one group, in one transaction. `join()` takes in the calls
   * queued for the key since (up to `maxGroup` in all) and returns every call
   * of the group: `inputs`, then the joined ones. Called again (a transaction
   * retried), it returns them again with any newer ones. The answers are for
   * the calls the last `join()` returned, or for `inputs` when it was not called.
   */
  runGroup(key: string, inputs: In[], join: () => In[]): Promise<Out[]>;
  maxGroup: number;
}

interface Pending<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<In, Out> {
  /** keys with a transaction in flight, and the calls waiting for the next one */
  private readonly waiting = new Map<string, Pending<In, Out>[]>();

  constructor(private readonly runner: GroupRunner<In, Out>) {}

  submit(key: string, input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const queue = this.waiting.get(key);
      const call = { input, resolve, reject };
      if (queue) {
        queue.push(call);
        return;
      }
      this.waiting.set(key, [call]);
      setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    for (;;) {
      const group = this.waiting.get(key)!.splice(0, this.runner.maxGroup);
      if (group.length === 0) {
        this.waiting.delete(key);
        return;
      }
      await this.runOne(key, group);
    }
  }

  private async runOne(key: string, group: Pending<In, Out>[]): Promise<void> {
    let outs: Out[];
    const join = () => {
      group.push(...this.waiting.get(key)!.splice(0, Math.max(0, this.runner.maxGroup - group.length)));
      return group.map((c) => c.input);
    };
    try {
      outs = await this.runner.runGroup(
        key,
        group.map((c) => c.input),
        join,
      );
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // The group failed as a whole: each call again, alone, so it gets its own answer or its own error.
      for (const call of group) {
        try {
          const [out] = await this.runner.runGroup(key, [call.input], () => [call.input]);
          call.resolve(out!);
        } catch (own) {
          call.reject(own);
        }
      }
      return;
    }
    if (outs.length !== group.length) {
      // a runner's fault, after its commit: no call is retried (that would write it twice), each is told
      const fault = new Error(`a group of ${group.length} calls got ${outs.length} answers`);
      for (const call of group) call.reject(fault);
      return;
    }
    group.forEach((call, i) => call.resolve(outs[i]!));
  }
}

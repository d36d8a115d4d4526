/**
 * Group commit per key (issue 10): concurrent small calls for one
 * organization are written by one transaction instead of one each.
 *
 * A call for a key with no group on its way runs at once, alone (no added
 * delay). Calls arriving while a group is in flight wait in a queue; the next
 * group takes the whole queue (at most `maxGroup` calls, in arrival order).
 * `runGroup` answers every call of the group, each its own result, exactly as
 * if it had run alone at that place in the order. When the group's
 * transaction fails (a database error), each call of the group is retried in
 * a transaction of its own, so one call's failure never becomes another's.
 *
 * Pipelined: a group that calls `locked()` once it holds the organization's
 * row lock lets the next group start then, so the next one's connection,
 * `begin` and lock statement overlap this one's work (it waits in the
 * database for the lock, which keeps the order), and only the time under the
 * lock is paid one group after another. At most one group is ever on its way
 * to the lock per key; a runner that never calls `locked()` runs its groups
 * strictly one after another.
 *
 * This orders calls within one server; across servers the organization row
 * lock taken by `runGroup` still serializes writers.
 */
export interface GroupRunner<In, Out> {
  /** all calls of one group, in one transaction; answers in the same order */
  runGroup(key: string, inputs: In[], locked: () => void): Promise<Out[]>;
  maxGroup: number;
}

interface Pending<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
}

interface KeyState<In, Out> {
  queue: Pending<In, Out>[];
  /** a group has started and does not hold the lock yet: new calls wait for the next group */
  starting: boolean;
  /** groups started and not finished */
  running: number;
}

export class GroupCommit<In, Out> {
  private readonly keys = new Map<string, KeyState<In, Out>>();

  constructor(private readonly runner: GroupRunner<In, Out>) {}

  submit(key: string, input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) this.keys.set(key, (state = { queue: [], starting: false, running: 0 }));
      state.queue.push({ input, resolve, reject });
      this.pump(key, state);
    });
  }

  /** Starts the next group when none is on its way to the lock. */
  private pump(key: string, state: KeyState<In, Out>): void {
    if (state.starting) return;
    if (state.queue.length === 0) {
      if (state.running === 0) this.keys.delete(key);
      return;
    }
    const group = state.queue.splice(0, this.runner.maxGroup);
    state.starting = true;
    state.running++;
    let holding = false;
    const locked = () => {
      if (holding) return;
      holding = true;
      state.starting = false;
      this.pump(key, state);
    };
    void this.runOne(key, group, locked).finally(() => {
      state.running--;
      // a group that ended (or failed) before it said it held the lock frees the way too
      if (holding) this.pump(key, state);
      else locked();
    });
  }

  private async runOne(key: string, group: Pending<In, Out>[], locked: () => void): Promise<void> {
    let outs: Out[];
    try {
      outs = await this.runner.runGroup(
        key,
        group.map((c) => c.input),
        locked,
      );
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // The group failed as a whole: each call again, alone, so it gets its own answer or its own error.
      for (const call of group) {
        try {
          const [out] = await this.runner.runGroup(key, [call.input], () => {});
          call.resolve(out!);
        } catch (own) {
          call.reject(own);
        }
      }
      return;
    }
    group.forEach((call, i) => call.resolve(outs[i]!));
  }
}

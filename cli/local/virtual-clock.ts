// A controlled clock for local runs whose figures must not depend on how busy the machine is: time
// moves only when every piece of work has finished or waits for a later instant, and then straight
// to the earliest instant something waits for. Waits of hours take no time at all, and events happen
// in the order of their instants, never in the order a loaded machine happened to give them.

interface Waiter {
  readonly at: number;
  /** Ties at one instant go in the order they were registered. */
  readonly sequence: number;
  readonly wake: () => void;
}

/** One piece of work the clock waits for while it is held. */
export interface ClockHold {
  /** Stops holding the clock; calling it again does nothing. */
  release(): void;
}

export class VirtualClock {
  private current: number;
  private readonly waiters: Waiter[] = [];
  private sequence = 0;
  /** Holds taken now: time stands still until they are released. */
  private busy = 0;
  private failure: { error: unknown } | undefined;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Holds the clock for a piece of work until the hold is released. */
  hold(): ClockHold & { readonly holding: boolean; reacquire(): void } {
    this.busy += 1;
    let holding = true;
    return {
      get holding() {
        return holding;
      },
      release: () => {
        if (!holding) return;
        holding = false;
        this.busy -= 1;
      },
      reacquire: () => {
        if (holding) return;
        holding = true;
        this.busy += 1;
      },
    };
  }

  /**
   * Releases `hold` until the clock reaches `at`, then takes it again and resolves. A sleep whose
   * `cancelled` answers true at that instant (its work ended meanwhile) never resolves.
   */
  sleepUntil(
    at: Date,
    hold: ReturnType<VirtualClock["hold"]>,
    cancelled: () => boolean = () => false,
  ): Promise<void> {
    hold.release();
    return new Promise((resolve) => {
      this.add(at.getTime(), () => {
        if (cancelled()) return;
        hold.reacquire();
        resolve();
      });
    });
  }

  /** Runs `work` when the clock reaches `at`, holding the clock until it settles. */
  schedule(at: Date, work: () => Promise<void>): void {
    this.add(at.getTime(), () => {
      const hold = this.hold();
      work()
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => hold.release());
    });
  }

  /**
   * Moves time forward until nothing waits any more, and resolves with the instant it stopped at.
   * Rejects with the first error of a scheduled piece of work.
   */
  async run(): Promise<Date> {
    for (;;) {
      while (this.busy > 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.failure !== undefined) throw this.failure.error;
      this.waiters.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      const next = this.waiters.shift();
      if (next === undefined) return this.now();
      this.current = Math.max(this.current, next.at);
      next.wake();
    }
  }

  private add(at: number, wake: () => void): void {
    this.sequence += 1;
    this.waiters.push({ at, sequence: this.sequence, wake });
  }
}

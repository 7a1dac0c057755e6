package io.pagedstream.processor;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where a processor's loop spends its time, phase by phase, in nanoseconds: the figures behind
 * docs/PIPELINE-PERFORMANCE.md. Written by the loop's thread, read from others (stats, metrics).
 */
public final class LoopTimes {

  /** The phases of one loop turn. */
  public enum Phase {
    /** {@code poll} while the engine had work: fetching batches without waiting for them. */
    POLL,
    /** {@code poll} while the engine had nothing to do: the engine starved for input. */
    IDLE,
    /** Avro-decoding batches and handing their requests to the engine. */
    READ,
    /** Engine steps: scheduling and the forward pass. */
    STEP,
    /** Finished requests to completions: detokenizing and Avro-encoding. */
    ANSWER,
    /** Transactions: sending the completions, the input offsets and the commit round trips. */
    COMMIT
  }

  private final AtomicLongArray nanos = new AtomicLongArray(Phase.values().length);

  void add(Phase phase, long elapsedNanos) {
    nanos.addAndGet(phase.ordinal(), elapsedNanos);
  }

  public long nanos(Phase phase) {
    return nanos.get(phase.ordinal());
  }

  /** Seconds per phase, in phase order. */
  public Map<Phase, Double> seconds() {
    Map<Phase, Double> out = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) {
      out.put(p, nanos(p) / 1e9);
    }
    return out;
  }
}

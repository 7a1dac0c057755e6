package io.pagedstream.chaos;

import java.time.Duration;

/**
 * Which faults a chaos run injects.
 *
 * @param every the rhythm: a processor is killed at each tick
 * @param restartConnect also kill and restart the Connect worker every second tick
 * @param restartBroker also restart the (single, in-process) broker every third tick
 * @param killBrokerEvery on a replicated cluster, SIGKILL a broker this often (null: never); see
 *     {@link BrokerFaults}
 * @param seed picks which processor dies
 */
public record FaultPlan(
    Duration every,
    boolean restartConnect,
    boolean restartBroker,
    Duration killBrokerEvery,
    long seed) {
  public FaultPlan {
    if (every == null || every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("--kill-every must be positive, got " + every);
    }
    if (killBrokerEvery != null && (killBrokerEvery.isNegative() || killBrokerEvery.isZero())) {
      throw new IllegalArgumentException(
          "--kill-broker-every must be positive, got " + killBrokerEvery);
    }
  }

  /** Processor and Connect faults only, or with single-broker restarts. */
  public FaultPlan(Duration every, boolean restartConnect, boolean restartBroker, long seed) {
    this(every, restartConnect, restartBroker, null, seed);
  }
}

package io.pagedstream.app.chaos;

import java.time.Duration;

/**
 * Which faults a chaos run injects.
 *
 * @param every the rhythm: a processor is killed at each tick
 * @param restartConnect also kill and restart the Connect worker every second tick
 * @param restartBroker also restart the broker every third tick
 * @param seed picks which processor dies
 */
public record FaultPlan(Duration every, boolean restartConnect, boolean restartBroker, long seed) {
  public FaultPlan {
    if (every == null || every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("--kill-every must be positive, got " + every);
    }
  }
}

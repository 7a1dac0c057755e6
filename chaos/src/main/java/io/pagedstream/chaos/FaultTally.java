package io.pagedstream.chaos;

import java.util.List;

/**
 * What a chaos run injected, and what had to be restarted because it stopped on its own.
 *
 * @param processorKills processors killed abruptly (each replaced under the same instance id)
 * @param connectRestarts Connect worker kills (each followed by a start)
 * @param brokerRestarts restarts of the single in-process broker
 * @param brokerKills brokers of a replicated cluster SIGKILLed
 * @param brokersBack killed brokers that were started again and served
 * @param brokerKillHistory one line per broker kill: which broker and why that one
 * @param serviceRestarts one line per service the supervisor found stopped and restarted
 */
public record FaultTally(
    int processorKills,
    int connectRestarts,
    int brokerRestarts,
    int brokerKills,
    int brokersBack,
    List<String> brokerKillHistory,
    List<String> serviceRestarts) {

  public FaultTally {
    brokerKillHistory = List.copyOf(brokerKillHistory);
    serviceRestarts = List.copyOf(serviceRestarts);
  }

  /** Every fault injected: the run survived them all when it ends clean. */
  public int faults() {
    return processorKills + connectRestarts + brokerRestarts + brokerKills;
  }
}

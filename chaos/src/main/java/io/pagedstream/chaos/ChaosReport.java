package io.pagedstream.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a chaos run: the reconciliation, the faults it survived and how long it took.
 *
 * @param inputs inputs sent: lines of the JSONL file plus records produced straight to topics
 * @param harnessFailure why the fault schedule itself broke down, or null
 * @param sinkDir where the sink's files are (kept only when asked for)
 * @param replicationShortfalls topics with less replication than the cluster's (see {@link
 *     ReplicationAudit})
 */
public record ChaosReport(
    int inputs,
    Reconciliation figures,
    FaultTally faults,
    double elapsedSeconds,
    String harnessFailure,
    String sinkDir,
    List<String> replicationShortfalls) {

  public ChaosReport {
    replicationShortfalls = List.copyOf(replicationShortfalls);
  }

  /**
   * Exit status 0 needs nothing lost, nothing duplicated, every bad input answered, no valid
   * request failed, and every topic replicated as the cluster promises.
   */
  public boolean passed() {
    return figures.clean() && harnessFailure == null && replicationShortfalls.isEmpty();
  }

  /** The same report without naming the sink's files (they were in a folder since deleted). */
  public ChaosReport withoutSinkDir() {
    return new ChaosReport(
        inputs, figures, faults, elapsedSeconds, harnessFailure, null, replicationShortfalls);
  }

  public int lost() {
    return figures.lost();
  }

  public int duplicated() {
    return figures.duplicated();
  }

  public int killsSurvived() {
    return faults.faults();
  }

  /** The summary for people, several lines. */
  public String text() {
    Reconciliation f = figures;
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "chaos run: %s in %.1f s%n",
            passed() ? "PASSED" : "FAILED",
            elapsedSeconds));
    b.append(
        String.format(
            Locale.ROOT,
            "  inputs              %d (%d bad: %d answered as expected, %d with an unexpected message)%n",
            inputs,
            f.badInputs(),
            f.badInputsAnswered(),
            f.unexpectedMessages()));
    b.append(
        String.format(
            Locale.ROOT,
            "  results             %d of %d expected (%d errors; %d valid requests answered with an error)%n",
            f.results(),
            f.expected(),
            f.errorResults(),
            f.goodAnsweredWithError()));
    b.append(
        String.format(
            Locale.ROOT,
            "  lost                %d (topic %d, sink files %d)%n",
            f.lost(),
            f.lostInTopic(),
            f.lostInFiles()));
    b.append(
        String.format(
            Locale.ROOT,
            "  duplicated          %d (topic %d, sink files %d, dead letters %d)%s%n",
            f.duplicated(),
            f.duplicatedInTopic(),
            f.duplicatedInFiles(),
            f.duplicatedDeadLetters(),
            f.sinkDeadLetterRepeats() == 0
                ? ""
                : "; "
                    + f.sinkDeadLetterRepeats()
                    + " sent again to Connect's dead-letter queue, which is at least once"));
    b.append(
        String.format(
            Locale.ROOT,
            "  faults survived     %d: %d processor kills, %d Connect worker kills, %d broker restarts, "
                + "%d broker kills (%d back)%n",
            killsSurvived(),
            faults.processorKills(),
            faults.connectRestarts(),
            faults.brokerRestarts(),
            faults.brokerKills(),
            faults.brokersBack()));
    for (String k : faults.brokerKillHistory()) {
      b.append("    killed ").append(k).append('\n');
    }
    b.append(
        String.format(
            Locale.ROOT,
            "  services restarted  %d (stopped on their own)%n",
            faults.serviceRestarts().size()));
    for (String r : faults.serviceRestarts().stream().limit(10).toList()) {
      b.append("    ").append(r).append('\n');
    }
    if (harnessFailure != null) {
      b.append("  the fault schedule broke down: ").append(harnessFailure).append('\n');
    }
    for (String r : replicationShortfalls) {
      b.append("  ! under-replicated topic ").append(r).append('\n');
    }
    for (String e : f.examples()) {
      b.append("  ! ").append(e).append('\n');
    }
    if (sinkDir != null) {
      b.append("  sink files in ").append(sinkDir).append('\n');
    }
    return b.toString();
  }

  /** One line of JSON with the figures. */
  public String json() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    Reconciliation f = figures;
    o.put("requests", inputs);
    o.put("results", f.results());
    o.put("lost", f.lost());
    o.put("duplicated", f.duplicated());
    o.put("error_results", f.errorResults());
    o.put("bad_inputs", f.badInputs());
    o.put("bad_inputs_answered", f.badInputsAnswered());
    o.put("kills_survived", killsSurvived());
    o.put("elapsed_s", Math.round(elapsedSeconds * 10) / 10.0);
    o.put("passed", passed());
    o.put("expected_results", f.expected());
    o.put("lost_in_topic", f.lostInTopic());
    o.put("lost_in_files", f.lostInFiles());
    o.put("duplicated_in_topic", f.duplicatedInTopic());
    o.put("duplicated_in_files", f.duplicatedInFiles());
    o.put("duplicated_dead_letters", f.duplicatedDeadLetters());
    o.put("sink_dead_letter_repeats", f.sinkDeadLetterRepeats());
    o.put("valid_requests_with_error", f.goodAnsweredWithError());
    o.put("unexpected_messages", f.unexpectedMessages());
    o.put("processor_kills", faults.processorKills());
    o.put("connect_kills", faults.connectRestarts());
    o.put("broker_restarts", faults.brokerRestarts());
    o.put("broker_kills", faults.brokerKills());
    o.put("broker_kills_survived", faults.brokersBack());
    o.put("service_restarts", faults.serviceRestarts().size());
    o.put("under_replicated_topics", replicationShortfalls.size());
    return o.toString();
  }
}

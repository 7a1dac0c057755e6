package io.pagedstream.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

/**
 * The sink's counters, on Micrometer's global registry: Connect creates tasks by class name, so
 * there is no way to hand them a registry; a process that serves metrics (the demo, an embedded
 * worker) adds its registry to the global one. In a stand-alone Connect cluster, Connect's own JMX
 * metrics (records read, offsets committed, lag) cover the same ground.
 */
final class SinkMetrics {

  private final Counter lines;
  private final Counter commits;
  private final Counter failedCommits;
  private final Counter errant;

  private SinkMetrics(MeterRegistry r) {
    lines =
        Counter.builder("pagedstream.sink.lines")
            .description("completion lines committed to the JSONL files")
            .register(r);
    commits =
        Counter.builder("pagedstream.sink.commits")
            .description("partition commits that published pending lines")
            .register(r);
    failedCommits =
        Counter.builder("pagedstream.sink.commit.failures")
            .description("commits that failed and rewound")
            .register(r);
    errant =
        Counter.builder("pagedstream.sink.errant.records")
            .description("records that were not completions, sent to the dead-letter topic")
            .register(r);
  }

  static SinkMetrics global() {
    return new SinkMetrics(Metrics.globalRegistry);
  }

  void committed(int lineCount) {
    lines.increment(lineCount);
    commits.increment();
  }

  void commitFailed() {
    failedCommits.increment();
  }

  void errant() {
    errant.increment();
  }
}

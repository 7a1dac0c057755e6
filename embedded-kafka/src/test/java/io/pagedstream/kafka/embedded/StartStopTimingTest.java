package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Measures start, restart and close; the numbers go to stderr for the record, the bounds only catch
 * hangs.
 */
class StartStopTimingTest {

  @Test
  void startRestartAndCloseAreQuick() {
    long begin = System.nanoTime();
    EmbeddedKafka kafka = EmbeddedKafka.builder().start();
    Duration start = since(begin);

    begin = System.nanoTime();
    kafka.stop();
    Duration stop = since(begin);

    begin = System.nanoTime();
    kafka.start();
    Duration restart = since(begin);

    begin = System.nanoTime();
    kafka.close();
    Duration close = since(begin);

    System.err.printf(
        "embedded-kafka timing: start %d ms, stop %d ms, start again %d ms, close %d ms%n",
        start.toMillis(), stop.toMillis(), restart.toMillis(), close.toMillis());
    assertThat(start).isLessThan(Duration.ofSeconds(30));
    assertThat(restart).isLessThan(Duration.ofSeconds(30));
    assertThat(stop).isLessThan(Duration.ofSeconds(15));
    assertThat(close).isLessThan(Duration.ofSeconds(15));
  }

  private static Duration since(long nanoTime) {
    return Duration.ofNanos(System.nanoTime() - nanoTime);
  }
}

package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class BatcherConfigTest {

  private final BatcherConfig config = BatcherConfig.defaults(Path.of("model"));

  @Test
  void defaultsAreTheEnginesDefaults() {
    assertThat(config.blockSize()).isEqualTo(16);
    assertThat(config.kvBudget()).isEqualTo(KvBudget.gib(1.0));
    assertThat(config.maxBatchRequests()).isEqualTo(256);
    assertThat(config.flushInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.requestStoreName()).isEqualTo("open-batches-requests");
  }

  @Test
  void theFlushIsCheckedFourTimesAnIntervalWithinBounds() {
    assertThat(config.flushCheckPeriod()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.withFlushInterval(Duration.ofMillis(5)).flushCheckPeriod())
        .isEqualTo(Duration.ofMillis(10));
    assertThat(config.withFlushInterval(Duration.ofMinutes(10)).flushCheckPeriod())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void badValuesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> config.withBlockSize(0))
        .hasMessage("block size must be at least 1, got 0");
    assertThatThrownBy(() -> config.withMaxBatchRequests(0))
        .hasMessage("max requests per batch must be at least 1, got 0");
    assertThatThrownBy(() -> config.withFlushInterval(Duration.ZERO))
        .hasMessage("flush interval must be at least 1 ms, got PT0S");
    assertThatThrownBy(() -> config.withApplicationId("a b"))
        .hasMessage("application id must be letters, digits, '.', '_' or '-', got 'a b'");
    assertThatThrownBy(() -> KvBudget.blocks(0))
        .hasMessage("KV budget must be at least 1 block, got 0");
    assertThatThrownBy(() -> KvBudget.gib(-1)).hasMessageContaining("positive number of GiB");
  }

  @Test
  void theUsersFileCannotTurnOffWhatTheGuaranteesRestOn() {
    KafkaSettings kafka =
        KafkaSettings.of(
            Map.of(
                "bootstrap.servers",
                "b:9092",
                "processing.guarantee",
                "at_least_once",
                "application.id",
                "other",
                "deserialization.exception.handler",
                "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler",
                "num.stream.threads",
                "3"));

    Map<String, Object> settings =
        BatcherService.streamsConfig(config, kafka, BatcherMetrics.none());

    assertThat(settings)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "pagedstream-batcher")
        .containsEntry(
            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class)
        .containsEntry("num.stream.threads", "3")
        .containsEntry("bootstrap.servers", "b:9092");
  }
}

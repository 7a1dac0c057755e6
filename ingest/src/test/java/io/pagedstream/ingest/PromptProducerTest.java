package io.pagedstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.ingest.TestTopics.Read;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java API, used as a user's own program would use it. */
class PromptProducerTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().defaultPartitions(2).start();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  @Test
  void requestsGoToTheBatcherAndUnrunnableOnesBecomeErrorResults() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    try (PromptProducer prompts =
        PromptProducer.builder(t.settings()).jobId("api-job").topics(t.names()).build()) {
      Sent text =
          prompts
              .send(
                  new PromptRequest(
                      "q-1", null, "Once upon a time", null, SamplingParams.greedy(64)))
              .get(60, TimeUnit.SECONDS);
      Sent ids =
          prompts
              .sendJson("{\"id\":\"q-2\",\"prompt_token_ids\":[1,15043],\"max_tokens\":32}")
              .get(60, TimeUnit.SECONDS);
      Sent noPrompt =
          prompts
              .send(new PromptRequest("q-3", "their-job", null, null, SamplingParams.greedy(8)))
              .get(60, TimeUnit.SECONDS);
      Sent badJson = prompts.sendJson("{oops").get(60, TimeUnit.SECONDS);
      Sent rejected =
          prompts
              .reject("q-5", "template variable 'name' is missing\n  at row 5")
              .get(60, TimeUnit.SECONDS);
      prompts.flush();

      assertThat(text)
          .extracting(Sent::id, Sent::jobId, Sent::topic, Sent::isError)
          .containsExactly("q-1", "api-job", t.names().requests(), false);
      assertThat(text.offset()).isGreaterThanOrEqualTo(0);
      assertThat(ids.topic()).isEqualTo(t.names().requests());
      assertThat(noPrompt)
          .extracting(Sent::id, Sent::jobId, Sent::topic)
          .containsExactly("q-3", "their-job", t.names().completions());
      assertThat(noPrompt.error()).startsWith("request has no prompt");
      // the second sendJson call on this producer, so its stand-in id is line-2
      assertThat(badJson)
          .extracting(Sent::id, Sent::topic)
          .containsExactly("line-2", t.names().completions());
      assertThat(badJson.error()).startsWith("line 2 is not valid JSON");
      assertThat(rejected.error()).isEqualTo("template variable 'name' is missing");
    }

    List<Read> reads = t.readCommitted(5);
    assertThat(reads).hasSize(5);
    Map<String, Read> byKey = TestTopics.byKey(reads);
    assertThat(byKey.get("q-1").request().getPrompt()).isEqualTo("Once upon a time");
    assertThat(byKey.get("q-1").request().getTemperature()).isEqualTo(0.0);
    assertThat(byKey.get("q-1").request().getMaxTokens()).isEqualTo(64);
    assertThat(byKey.get("q-2").request().getPromptTokenIds()).containsExactly(1, 15043);
    assertThat(byKey.get("q-3").completion().getJobId()).isEqualTo("their-job");
    assertThat(byKey.get("line-2").completion().getFinishReason())
        .isEqualTo(FinishReason.ERROR.wire());
    assertThat(byKey.get("q-5").completion().getError())
        .isEqualTo("template variable 'name' is missing");
  }

  @Test
  void aRequestWithoutAUsableIdIsAProgrammingError() {
    TestTopics t = TestTopics.create(kafka);
    try (PromptProducer prompts = PromptProducer.builder(t.settings()).topics(t.names()).build()) {
      assertThat(prompts.jobId()).startsWith("job-");
      assertThatThrownBy(
              () -> prompts.send(new PromptRequest(" ", null, "p", null, SamplingParams.greedy(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("id is empty");
      assertThatThrownBy(() -> prompts.reject("x".repeat(300), "e"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("300 characters");
    }
  }

  @Test
  void theRegistryMustBeConfiguredAndMayBeGivenApart() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    KafkaSettings noRegistry = KafkaSettings.of(new HashMap<>(kafka.clientProperties()));

    assertThatThrownBy(() -> PromptProducer.builder(noRegistry).topics(t.names()).build())
        .isInstanceOf(IngestException.class)
        .hasMessageContaining("no schema.registry.url");

    try (PromptProducer prompts =
        PromptProducer.builder(noRegistry)
            .topics(t.names())
            .schemaRegistry(SchemaRegistryConfig.of("mock://" + t.scope()))
            .build()) {
      prompts.sendJson("{\"id\":\"r\",\"prompt\":\"p\"}").get(60, TimeUnit.SECONDS);
    }
    assertThat(t.readCommitted(1)).extracting(Read::key).containsExactly("r");
  }
}

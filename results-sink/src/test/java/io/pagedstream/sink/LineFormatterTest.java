package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.connect.AvroConverter;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class LineFormatterTest {

  private final String registryUrl = "mock://line-formatter-" + UUID.randomUUID();
  private final LineFormatter plain =
      new LineFormatter("job_id", new JobDirectories("no-job"), List.of());

  /** What the worker hands the task: our Avro wire format through our converter. */
  private Object struct(Completion completion) {
    byte[] bytes =
        AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, registryUrl))
            .serializer()
            .serialize("llm.completions", completion);
    AvroConverter converter = new AvroConverter();
    converter.configure(Map.of(SchemaRegistryConfig.URL, registryUrl), false);
    return converter.toConnectData("llm.completions", bytes).value();
  }

  @Test
  void writesTheLinesOfPagedstreamGenerate() {
    // Expected strings are GenerationResult.toJsonLine() of the same results (core module).
    Completion ok =
        Completion.newBuilder()
            .setId("r1")
            .setJobId("job-7")
            .setTokenIds(List.of(5, 6, 7))
            .setText("Once upon \"a\" time\n")
            .setFinishReason(FinishReason.LENGTH.wire())
            .setPromptTokens(4)
            .setOutputTokens(3)
            .setQueueMs(1.5)
            .setCached(true)
            .build();
    assertThat(plain.format(struct(ok)))
        .isEqualTo(
            new CompletionLine(
                "job-7",
                "{\"id\":\"r1\",\"token_ids\":[5,6,7],\"text\":\"Once upon \\\"a\\\" time\\n\","
                    + "\"finish_reason\":\"length\",\"prompt_tokens\":4,\"output_tokens\":3}"));

    Completion noText =
        Completion.newBuilder()
            .setId("r2")
            .setJobId("job-7")
            .setTokenIds(List.of(1))
            .setFinishReason(FinishReason.STOP.wire())
            .setPromptTokens(2)
            .setOutputTokens(1)
            .build();
    assertThat(plain.format(struct(noText)).json())
        .isEqualTo(
            "{\"id\":\"r2\",\"token_ids\":[1],\"finish_reason\":\"stop\",\"prompt_tokens\":2,"
                + "\"output_tokens\":1}");

    Completion error =
        Completion.newBuilder()
            .setId("r3")
            .setFinishReason(FinishReason.ERROR.wire())
            .setError("prompt too long: 5000 tokens > 2048")
            .setPromptTokens(5000)
            .build();
    assertThat(plain.format(struct(error)))
        .isEqualTo(
            new CompletionLine(
                "no-job",
                "{\"id\":\"r3\",\"token_ids\":[],\"finish_reason\":\"error\","
                    + "\"error\":\"prompt too long: 5000 tokens > 2048\",\"prompt_tokens\":5000,"
                    + "\"output_tokens\":0}"));
  }

  @Test
  void addsJobIdAndCachedAfterTheProductFieldsWhenAsked() {
    LineFormatter extra =
        new LineFormatter("job_id", new JobDirectories("no-job"), List.of("job_id", "cached"));
    Completion c =
        Completion.newBuilder()
            .setId("r1")
            .setJobId("j/1")
            .setTokenIds(List.of(9))
            .setText("é")
            .setFinishReason(FinishReason.STOP.wire())
            .setPromptTokens(1)
            .setOutputTokens(1)
            .setCached(true)
            .build();
    assertThat(extra.format(struct(c)))
        .isEqualTo(
            new CompletionLine(
                "j%2F1",
                "{\"id\":\"r1\",\"token_ids\":[9],\"text\":\"é\",\"finish_reason\":\"stop\","
                    + "\"prompt_tokens\":1,\"output_tokens\":1,\"job_id\":\"j/1\",\"cached\":true}"));
  }

  @Test
  void readsSchemalessMapsLikeStructs() {
    Map<String, Object> json = new HashMap<>();
    json.put("id", "r1");
    json.put("job_id", "a");
    json.put("token_ids", List.of(1L, 2L)); // JsonConverter gives longs
    json.put("text", null);
    json.put("finish_reason", "length");
    json.put("prompt_tokens", 3L);
    json.put("output_tokens", 2L);
    assertThat(plain.format(json))
        .isEqualTo(
            new CompletionLine(
                "a",
                "{\"id\":\"r1\",\"token_ids\":[1,2],\"finish_reason\":\"length\",\"prompt_tokens\":3,"
                    + "\"output_tokens\":2}"));
  }

  @Test
  void refusesValuesThatAreNotCompletions() {
    assertThatThrownBy(() -> plain.format("hello"))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("Struct or a Map, not a String");
    Schema other = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();
    assertThatThrownBy(() -> plain.format(new Struct(other).put("id", "x")))
        .isInstanceOf(DataException.class)
        .hasMessage("Completion has no finish_reason");
    assertThatThrownBy(() -> plain.format(Map.of("id", 5, "finish_reason", "stop")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("id is a Integer, not a string");
    // a reason this version does not know goes to the error reporter rather than being guessed
    assertThatThrownBy(() -> plain.format(Map.of("id", "x", "finish_reason", "tool_calls")))
        .isInstanceOf(DataException.class)
        .hasMessage(
            "Completion x: unknown finish_reason \"tool_calls\" (expected length, stop, error)");
  }

  @Test
  void writesOpenAiBatchLinesAndNativeChoices() {
    Completion chat =
        Completion.newBuilder()
            .setId("c1")
            .setJobId("j")
            .setTokenIds(List.of(7))
            .setText("Hi")
            .setFinishReason("length")
            .setPromptTokens(4)
            .setOutputTokens(3)
            .setCompletedAtMs(1_700_000_000_000L)
            .setFormat("chat.completion")
            .setCustomId("c1")
            .setModel("tiny")
            .setChoices(
                "[{\"index\":0,\"token_ids\":[7],\"text\":\"Hi\",\"finish_reason\":\"length\"},"
                    + "{\"index\":1,\"token_ids\":[8,2],\"text\":\"Yo\",\"finish_reason\":\"stop\"}]")
            .build();
    String line = plain.format(struct(chat)).json();
    assertThat(line)
        .startsWith("{\"id\":\"batch_req_")
        .contains("\"custom_id\":\"c1\"")
        .contains("\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"tiny\"")
        .contains(
            "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"Yo\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}")
        .contains("\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3,\"total_tokens\":7}");

    Completion failed =
        Completion.newBuilder()
            .setId("line-3")
            .setFinishReason("error")
            .setError("body.tools is not supported")
            .setFormat("text_completion")
            .setCustomId("x")
            .build();
    assertThat(plain.format(struct(failed)).json())
        .contains("\"status_code\":400")
        .contains("\"message\":\"body.tools is not supported\"");

    Completion nativeTwo =
        Completion.newBuilder(chat).setFormat("").setCustomId(null).setModel(null).build();
    assertThat(plain.format(struct(nativeTwo)).json())
        .startsWith("{\"id\":\"c1\",\"token_ids\":[7],\"text\":\"Hi\"")
        .endsWith(
            "\"choices\":[{\"index\":0,\"token_ids\":[7],\"text\":\"Hi\",\"finish_reason\":\"length\"},"
                + "{\"index\":1,\"token_ids\":[8,2],\"text\":\"Yo\",\"finish_reason\":\"stop\"}]}");
  }
}

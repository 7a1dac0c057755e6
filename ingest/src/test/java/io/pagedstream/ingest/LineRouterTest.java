package io.pagedstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.RequestParser;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Routing without Kafka: which line becomes a request, which an error result, under which id. */
class LineRouterTest {

  private static final long NOW = 1_700_000_000_000L;

  private final String scope = "router-" + UUID.randomUUID();
  private final SchemaRegistry registry = SchemaRegistries.mockScope(scope);
  private final TopicNames topics = new TopicNames("req", "comp", "prog");

  private LineRouter router(int maxRecordBytes) {
    return new LineRouter(
        new AvroSerializer<>(registry),
        topics,
        maxRecordBytes,
        Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
        "job-1");
  }

  private static ParsedLine parse(String json, long line) {
    return RequestParser.parse(json, line);
  }

  private GenerationRequest request(Outbound out) {
    assertThat(out.topic()).isEqualTo("req");
    assertThat(out.error()).isNull();
    return new AvroDeserializer<>(GenerationRequest.class, registry)
        .deserialize("req", out.value());
  }

  private Completion completion(Outbound out) {
    assertThat(out.topic()).isEqualTo("comp");
    assertThat(out.error()).isNotNull();
    Completion c =
        new AvroDeserializer<>(Completion.class, registry).deserialize("comp", out.value());
    assertThat(c.getId()).isEqualTo(out.id());
    assertThat(c.getFinishReason()).isEqualTo(FinishReason.ERROR.wire());
    assertThat(c.getError()).isEqualTo(out.error());
    return c;
  }

  @Test
  void aValidLineBecomesItsRequestWithTheDefaultJobAndTheSubmissionTime() {
    Outbound out =
        router(1 << 20)
            .route(
                1,
                parse(
                    "{\"id\":\"a\",\"prompt\":\"Hello\",\"max_tokens\":7,\"temperature\":0,\"top_p\":0.5,\"top_k\":3,"
                        + "\"seed\":42,\"ignore_eos\":true}",
                    1));

    GenerationRequest r = request(out);
    assertThat(out.id()).isEqualTo("a");
    assertThat(r.getId()).isEqualTo("a");
    assertThat(r.getJobId()).isEqualTo("job-1");
    assertThat(r.getPrompt()).isEqualTo("Hello");
    assertThat(r.getPromptTokenIds()).isNull();
    assertThat(r.getMaxTokens()).isEqualTo(7);
    assertThat(r.getTemperature()).isEqualTo(0.0);
    assertThat(r.getTopP()).isEqualTo(0.5);
    assertThat(r.getTopK()).isEqualTo(3);
    assertThat(r.getSeed()).isEqualTo(42L);
    assertThat(r.getIgnoreEos()).isTrue();
    assertThat(r.getSubmittedAtMs()).isEqualTo(NOW);
  }

  @Test
  void tokenIdsWinOverTextAndALinesOwnJobIdIsKept() {
    GenerationRequest r =
        request(
            router(1 << 20)
                .route(
                    1,
                    parse(
                        "{\"id\":\"t\",\"prompt\":\"ignored\",\"prompt_token_ids\":[1,2,3],\"job_id\":\"own\"}",
                        1)));

    assertThat(r.getPromptTokenIds()).containsExactly(1, 2, 3);
    assertThat(r.getPrompt()).isNull();
    assertThat(r.getJobId()).isEqualTo("own");
  }

  @Test
  void requestsThatCanRunOnNoModelGetErrorResultsUnderTheirOwnIds() {
    LineRouter router = router(1 << 20);
    record Case(String json, String error) {}
    List<Case> cases =
        List.of(
            new Case(
                "{\"id\":\"none\"}",
                "request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")"),
            new Case("{\"id\":\"empty\",\"prompt\":\"\"}", "prompt is empty"),
            new Case("{\"id\":\"no-ids\",\"prompt_token_ids\":[]}", "prompt_token_ids is empty"),
            new Case(
                "{\"id\":\"neg\",\"prompt_token_ids\":[5,-1]}",
                "prompt_token_ids[1] = -1 is negative"),
            new Case(
                "{\"id\":\"mt\",\"prompt\":\"x\",\"max_tokens\":0}",
                "max_tokens must be >= 1, got 0"));
    long line = 0;
    for (Case c : cases) {
      Outbound out = router.route(++line, parse(c.json(), line));
      Completion completion = completion(out);
      assertThat(out.id()).isEqualTo(parse(c.json(), line).id());
      assertThat(completion.getError()).isEqualTo(c.error());
      assertThat(completion.getJobId()).isEqualTo("job-1");
      assertThat(completion.getCompletedAtMs()).isEqualTo(NOW);
    }
  }

  @Test
  void aRepeatedIdMakesTheLaterLineAnErrorUnderItsLineNumber() {
    LineRouter router = router(1 << 20);
    Outbound first = router.route(1, parse("{\"id\":\"a\",\"prompt\":\"one\"}", 1));
    Outbound second = router.route(2, parse("{\"id\":\"a\",\"prompt\":\"two\"}", 2));

    assertThat(request(first).getPrompt()).isEqualTo("one");
    assertThat(second.id()).isEqualTo("line-2");
    assertThat(completion(second).getError())
        .isEqualTo("duplicate id \"a\" (already used on line 1)");
  }

  @Test
  void standInIdsNeverCollideWithExplicitOnes() {
    LineRouter router = router(1 << 20);
    // line 1 takes the id line 2 would fall back to; line 3 repeats it
    Outbound one = router.route(1, parse("{\"id\":\"line-2\",\"prompt\":\"x\"}", 1));
    Outbound two = router.route(2, parse("not json", 2));
    Outbound three = router.route(3, parse("{\"id\":\"line-2\",\"prompt\":\"y\"}", 3));
    Outbound four = router.route(4, parse("{\"id\":\"line-3\",\"prompt\":\"z\"}", 4));

    assertThat(one.id()).isEqualTo("line-2");
    assertThat(two.id()).isEqualTo("line-2~2");
    assertThat(completion(two).getError()).startsWith("line 2 is not valid JSON");
    assertThat(three.id()).isEqualTo("line-3");
    assertThat(completion(three).getError()).contains("duplicate id \"line-2\"");
    assertThat(four.id()).isEqualTo("line-4");
    assertThat(completion(four).getError())
        .contains("duplicate id \"line-3\" (already used on line 3)");
  }

  @Test
  void anIdTooLongForAKeyIsReplacedByTheLineNumber() {
    String longId = "x".repeat(RequestValidator.MAX_ID_CHARS + 1);
    Outbound out =
        router(1 << 20).route(9, parse("{\"id\":\"" + longId + "\",\"prompt\":\"p\"}", 9));

    assertThat(out.id()).isEqualTo("line-9");
    assertThat(completion(out).getError()).isEqualTo("id is 257 characters long, more than 256");
  }

  @Test
  void aRequestTooLargeForTheTopicBecomesItsOwnErrorInsteadOfFailingTheChunk() {
    LineRouter router = router(4096);
    Outbound small = router.route(1, parse("{\"id\":\"s\",\"prompt\":\"short\"}", 1));
    Outbound big =
        router.route(2, parse("{\"id\":\"b\",\"prompt\":\"" + "y".repeat(10_000) + "\"}", 2));

    assertThat(request(small).getPrompt()).isEqualTo("short");
    assertThat(big.id()).isEqualTo("b");
    assertThat(completion(big).getError())
        .matches("request is \\d+ bytes, more than the 3584 bytes a record of req may hold");
  }

  @Test
  void replayedLinesClaimTheirIdsSoAResumedRunRoutesTheRestTheSameWay() {
    LineRouter first = router(1 << 20);
    LineRouter resumed = router(1 << 20);
    List<String> lines =
        List.of(
            "{\"id\":\"a\",\"prompt\":\"1\"}",
            "{\"prompt\":\"2\"}",
            "{\"id\":\"a\",\"prompt\":\"3\"}",
            "{\"id\":\"line-2\",\"prompt\":\"4\"}");
    for (int i = 0; i < 2; i++) {
      first.route(i + 1, parse(lines.get(i), i + 1));
      resumed.replay(i + 1, parse(lines.get(i), i + 1));
    }
    for (int i = 2; i < lines.size(); i++) {
      Outbound a = first.route(i + 1, parse(lines.get(i), i + 1));
      Outbound b = resumed.route(i + 1, parse(lines.get(i), i + 1));
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(b.error()).isEqualTo(a.error()).isNotNull();
    }
  }
}

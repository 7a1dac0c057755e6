package io.pagedstream.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.schemas.avro.Completion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Completions with contents derived from their number, so a line can be checked by its id. */
final class TestCompletions {

  static final List<String> JOBS = List.of("job-a", "job-b", "job/c");
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestCompletions() {}

  static String id(int n) {
    return String.format("req-%05d", n);
  }

  static String jobOf(int n) {
    return JOBS.get(n % JOBS.size());
  }

  static Completion completion(int n) {
    Completion c = completion(id(n), jobOf(n), "text " + n);
    if (n % 10 == 7 && !"error".equals(c.getFinishReason())) {
      // a request with two samples: its choices as JSON (a native line, so files are checked by id)
      c.setChoices(
          "[{\"index\":0,\"token_ids\":[1],\"text\":\"a\",\"finish_reason\":\"length\"},"
              + "{\"index\":1,\"token_ids\":[2],\"text\":\"b\",\"finish_reason\":\"stop\"}]");
    }
    return c;
  }

  /** Completion {@code n} again with new content, as a re-processed request would bring. */
  static Completion version2(int n) {
    Completion c = completion(id(n), jobOf(n), "v2 " + n);
    c.setProcessor("v2");
    return c;
  }

  static Completion completion(String id, String job, String text) {
    boolean error = id.hashCode() % 11 == 0;
    return Completion.newBuilder()
        .setId(id)
        .setJobId(job)
        .setTokenIds(error ? List.of() : List.of(id.length(), 2, 3))
        .setText(error ? null : text)
        .setFinishReason(error ? "error" : "length")
        .setError(error ? "failed on purpose" : null)
        .setPromptTokens(4)
        .setOutputTokens(error ? 0 : 3)
        .build();
  }

  /** The completion as schemaless JSON, for a worker using JsonConverter. */
  static String json(Completion c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.getId());
    m.put("job_id", c.getJobId());
    m.put("token_ids", c.getTokenIds());
    m.put("text", c.getText());
    m.put("finish_reason", c.getFinishReason());
    m.put("error", c.getError());
    m.put("prompt_tokens", c.getPromptTokens());
    m.put("output_tokens", c.getOutputTokens());
    try {
      return JSON.writeValueAsString(m);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}

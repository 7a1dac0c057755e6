package io.pagedstream.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.OneLine;
import java.nio.charset.StandardCharsets;

/**
 * How far one transactional ingest has got: written in the same transaction as each chunk's records
 * to the progress topic (key = transactional id, JSON value), so it is committed exactly when they
 * are. A later run with the same transactional id skips the first {@code lines} lines after
 * checking that their {@code fingerprint} matches.
 *
 * @param lines input lines committed so far (requests and error results alike)
 * @param requests of those, requests written to the requests topic
 * @param errors of those, error results written to the completions topic
 * @param fingerprint SHA-256 of the committed lines as parsed (see {@code Fingerprint})
 * @param complete the run reached the end of its input
 */
public record IngestProgress(
    String transactionalId,
    String jobId,
    String source,
    long lines,
    long requests,
    long errors,
    String fingerprint,
    boolean complete,
    long updatedAtMs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("version", 1);
    o.put("transactional_id", transactionalId);
    o.put("job_id", jobId);
    o.put("source", source);
    o.put("lines", lines);
    o.put("requests", requests);
    o.put("errors", errors);
    o.put("fingerprint", fingerprint);
    o.put("complete", complete);
    o.put("updated_at_ms", updatedAtMs);
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Reads a progress value; throws {@link IngestException} naming the key when it is not one. */
  static IngestProgress fromJson(String key, byte[] value) {
    try {
      JsonNode o = JSON.readTree(value);
      if (o == null
          || !o.isObject()
          || !o.path("job_id").isTextual()
          || !o.path("lines").canConvertToLong()
          || !o.path("fingerprint").isTextual()) {
        throw new IngestException(
            "progress record of " + key + " is not an ingest progress record");
      }
      return new IngestProgress(
          o.path("transactional_id").asText(key),
          o.path("job_id").asText(),
          o.path("source").asText(""),
          o.path("lines").asLong(),
          o.path("requests").asLong(),
          o.path("errors").asLong(),
          o.path("fingerprint").asText(),
          o.path("complete").asBoolean(),
          o.path("updated_at_ms").asLong());
    } catch (java.io.IOException e) {
      throw new IngestException("progress record of " + key + " is not JSON: " + OneLine.of(e), e);
    }
  }
}

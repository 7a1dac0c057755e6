package io.pagedstream.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.request.Choice;
import io.pagedstream.core.request.ChoicesJson;
import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ResponseFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Turns a completion value into the product's result line: the {@code GenerationResult} it carries,
 * written by {@code GenerationResult.toJson()} as {@code generate} and {@code run} write it (a
 * native line, with {@code choices} when there are several samples or logprobs, or the OpenAI batch
 * output line of an OpenAI request), then the configured extra fields. Reads a {@link Struct} (our
 * AvroConverter) or a {@link Map} (schemaless JSON) by field name, so completions written with a
 * newer schema still format.
 */
final class LineFormatter {

  private final String jobIdField;
  private final JobDirectories jobDirectories;
  private final List<String> extraFields;

  LineFormatter(String jobIdField, JobDirectories jobDirectories, List<String> extraFields) {
    this.jobIdField = jobIdField;
    this.jobDirectories = jobDirectories;
    this.extraFields = List.copyOf(extraFields);
  }

  /**
   * @throws DataException if the value is not a completion
   */
  CompletionLine format(Object value) {
    Fields fields = Fields.of(value);
    List<?> tokenList = fields.list("token_ids");
    int[] tokens = new int[tokenList.size()];
    for (int i = 0; i < tokens.length; i++) {
      if (!(tokenList.get(i) instanceof Number number)) {
        throw new DataException(
            "token_ids holds a " + typeName(tokenList.get(i)) + ", not a number");
      }
      tokens[i] = number.intValue();
    }
    String format = fields.string("format");
    Object completedAt = fields.get("completed_at_ms");
    GenerationResult result;
    try {
      List<Choice> choices = ChoicesJson.fromText(fields.string("choices"));
      result =
          GenerationResult.read(
              fields.requiredString("id"),
              tokens,
              fields.string("text"),
              fields.requiredString("finish_reason"),
              fields.string("error"),
              fields.integer("prompt_tokens"),
              fields.integer("output_tokens"),
              ResponseFormat.of(
                  format == null ? "" : format, fields.string("custom_id"), fields.string("model")),
              choices,
              completedAt instanceof Number n ? n.longValue() : 0);
    } catch (IllegalArgumentException e) {
      throw new DataException("Completion " + fields.get("id") + ": " + e.getMessage(), e);
    }
    ObjectNode line = result.toJson();
    String jobId = fields.string(jobIdField);
    for (String extra : extraFields) {
      switch (extra) {
        case "job_id" -> line.put("job_id", jobId == null ? "" : jobId);
        case "cached" -> line.put("cached", Boolean.TRUE.equals(fields.get("cached")));
        default -> throw new IllegalStateException("unvalidated extra field " + extra);
      }
    }
    return new CompletionLine(jobDirectories.forJob(jobId), line.toString());
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }

  /** Field access by name over a Struct or a Map; absent fields read as null. */
  private record Fields(Struct struct, Map<?, ?> map) {

    static Fields of(Object value) {
      if (value instanceof Struct s) {
        return new Fields(s, null);
      }
      if (value instanceof Map<?, ?> m) {
        return new Fields(null, m);
      }
      throw new DataException("A completion must be a Struct or a Map, not a " + typeName(value));
    }

    Object get(String name) {
      if (map != null) {
        return map.get(name);
      }
      Field field = struct.schema().field(name);
      return field == null ? null : struct.get(field);
    }

    String string(String name) {
      Object v = get(name);
      if (v != null && !(v instanceof String)) {
        throw new DataException(
            "Completion field " + name + " is a " + typeName(v) + ", not a string");
      }
      return (String) v;
    }

    String requiredString(String name) {
      String v = string(name);
      if (v == null) {
        throw new DataException("Completion has no " + name);
      }
      return v;
    }

    List<?> list(String name) {
      Object v = get(name);
      if (v == null) {
        return List.of();
      }
      if (!(v instanceof List<?> l)) {
        throw new DataException(
            "Completion field " + name + " is a " + typeName(v) + ", not a list");
      }
      return l;
    }

    int integer(String name) {
      Object v = get(name);
      if (v == null) {
        return 0; // the schema's default
      }
      if (!(v instanceof Number n)) {
        throw new DataException(
            "Completion field " + name + " is a " + typeName(v) + ", not a number");
      }
      return n.intValue();
    }
  }
}

package io.pagedstream.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The bad-input corpus: {@code bad-inputs/cases.jsonl} on the classpath, one case per line (see
 * {@code bad-inputs/README.md} beside it). The {@code chaos} command mixes its cases into a job;
 * {@code BadInputCorpusTest} runs all of them through the pipeline.
 */
public final class BadInputCorpus {

  /** Ids of the corpus lines start like this, so that a copy can be given an id of its own. */
  static final String ID_PREFIX = "bad-";

  static final String RESOURCE = "/bad-inputs/cases.jsonl";

  /** The size of the generated huge line: well past a Kafka record's default 1 MiB. */
  static final int HUGE_LINE_BYTES = 10 * 1024 * 1024;

  private final List<BadInputCase> cases;

  private BadInputCorpus(List<BadInputCase> cases) {
    this.cases = List.copyOf(cases);
  }

  /** The corpus shipped with the application. */
  public static BadInputCorpus load() {
    try (InputStream in = BadInputCorpus.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the bad-input corpus " + RESOURCE + " is missing from the classpath");
      }
      ObjectMapper json = new ObjectMapper();
      List<BadInputCase> cases = new ArrayList<>();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        if (!text.isBlank()) {
          cases.add(parse(json.readTree(text)));
        }
      }
      return new BadInputCorpus(cases);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bad-input corpus: " + e.getMessage(), e);
    }
  }

  public List<BadInputCase> cases() {
    return cases;
  }

  public List<BadInputCase> lineCases() {
    return cases.stream().filter(BadInputCase::isLine).toList();
  }

  public List<BadInputCase> recordCases() {
    return cases.stream().filter(c -> !c.isLine()).toList();
  }

  /**
   * The case's line with its {@code "bad-...} id made unique by {@code tag} (so a job can hold the
   * same case many times); lines without such an id are left as they are.
   */
  static byte[] lineWithTag(BadInputCase c, String tag) {
    byte[] line = c.line();
    byte[] from = ("\"" + ID_PREFIX).getBytes(StandardCharsets.UTF_8);
    int at = indexOf(line, from);
    if (at < 0 || tag.isEmpty()) {
      return line;
    }
    byte[] to = ("\"" + ID_PREFIX + tag + "-").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[line.length - from.length + to.length];
    System.arraycopy(line, 0, out, 0, at);
    System.arraycopy(to, 0, out, at, to.length);
    System.arraycopy(line, at + from.length, out, at + to.length, line.length - at - from.length);
    return out;
  }

  private static BadInputCase parse(JsonNode n) {
    BadInputCase.Input input = BadInputCase.Input.of(n.path("input").asText());
    byte[] line = null;
    if (input == BadInputCase.Input.LINE) {
      if (n.has("line")) {
        line = n.get("line").asText().getBytes(StandardCharsets.UTF_8);
      } else if (n.has("line_base64")) {
        line = Base64.getDecoder().decode(n.get("line_base64").asText());
      } else if ("10mb-line".equals(n.path("generate").asText())) {
        line = hugeLine();
      } else {
        throw new IllegalStateException("corpus case " + n.path("case").asText() + " has no line");
      }
    }
    return new BadInputCase(
        n.path("case").asText(),
        n.path("stage").asText(),
        input,
        line,
        n.hasNonNull("recipe") ? n.get("recipe").asText() : null,
        n.path("keyed").asBoolean(false),
        BadInputCase.Answer.of(n.path("answer").asText()),
        n.path("expect").asText(),
        n.path("description").asText());
  }

  /**
   * A request whose text prompt alone is 10 MiB: generated, since the repository keeps small files.
   */
  private static byte[] hugeLine() {
    byte[] head =
        ("{\"id\":\"" + ID_PREFIX + "10mb-line\",\"max_tokens\":4,\"prompt\":\"")
            .getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + HUGE_LINE_BYTES + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    Arrays.fill(out, head.length, head.length + HUGE_LINE_BYTES, (byte) 'a');
    System.arraycopy(tail, 0, out, head.length + HUGE_LINE_BYTES, tail.length);
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}

package io.pagedstream.chaos;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.ResultIds;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The inputs of one chaos run, from a seed: a JSONL file of synthetic requests (random token-id
 * prompts, half greedy and half sampled with a seed) with bad lines from the corpus mixed in at
 * random places, plus the corpus's record cases, which are produced straight to their topics.
 *
 * @param file the JSONL input for ingest
 * @param goodIds the result ids of the valid requests
 * @param bad every bad input: lines (under their result ids) and records (under their ids)
 * @param lines how many lines the file has
 */
public record ChaosWorkload(Path file, List<String> goodIds, List<PlannedInput> bad, int lines) {

  /**
   * A bad input and the id its answer must carry: the result id ingest gives its line, or the id a
   * record stands for (its key, the id in its value, or only its tag header).
   */
  public record PlannedInput(BadInputCase badCase, String id) {}

  /** What to generate. */
  public record Shape(int inputs, double badFraction, int maxTokens, long seed) {
    public Shape {
      if (inputs < 1) {
        throw new IllegalArgumentException("--requests must be at least 1, got " + inputs);
      }
      if (!(badFraction >= 0 && badFraction <= 1)) {
        throw new IllegalArgumentException(
            "--bad-fraction must be between 0 and 1, got " + badFraction);
      }
      if (maxTokens < 1) {
        throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
      }
    }
  }

  private static final int MIN_PROMPT = 4;
  private static final int MAX_PROMPT = 64;

  /**
   * Writes the input file and plans the records; the same shape and corpus give the same inputs.
   */
  public static ChaosWorkload write(Path file, Shape shape, ModelSpec model, BadInputCorpus corpus)
      throws IOException {
    Random rnd = new Random(shape.seed());
    int badCount = (int) Math.round(shape.inputs() * shape.badFraction());
    List<BadInputCase> picks = pick(corpus, badCount, rnd);
    List<BadInputCase> badLines = new ArrayList<>();
    List<PlannedInput> records = new ArrayList<>();
    List<String> lineTags = new ArrayList<>();
    for (int k = 0; k < picks.size(); k++) {
      BadInputCase c = picks.get(k);
      if (c.isLine()) {
        badLines.add(c);
        lineTags.add(Integer.toString(k));
      } else {
        records.add(new PlannedInput(c, BadInputCorpus.ID_PREFIX + k + "-" + c.name()));
      }
    }
    int lines = shape.inputs() - records.size();
    // where the bad lines go: distinct random line numbers
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      positions.add(i);
    }
    Collections.shuffle(positions, rnd);
    Map<Integer, Integer> badAt = new HashMap<>();
    for (int j = 0; j < badLines.size(); j++) {
      badAt.put(positions.get(j), j);
    }
    int good = 0;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      for (int i = 0; i < lines; i++) {
        Integer j = badAt.get(i);
        if (j != null) {
          out.write(BadInputCorpus.lineWithTag(badLines.get(j), lineTags.get(j)));
        } else {
          out.write(
              goodLine("r" + good++, model, shape.maxTokens(), rnd)
                  .getBytes(StandardCharsets.UTF_8));
        }
        out.write('\n');
      }
    }
    List<String> resultIds = ResultIds.forInput(file);
    List<String> goodIds = new ArrayList<>();
    List<PlannedInput> bad = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      Integer j = badAt.get(i);
      if (j == null) {
        goodIds.add(resultIds.get(i));
      } else {
        bad.add(new PlannedInput(badLines.get(j), resultIds.get(i)));
      }
    }
    bad.addAll(records);
    return new ChaosWorkload(file, goodIds, bad, lines);
  }

  /**
   * {@code count} cases: the whole corpus in a random order, again and again, but the 10 MiB line
   * only once (it is there to be refused, not to slow the run down).
   */
  private static List<BadInputCase> pick(BadInputCorpus corpus, int count, Random rnd) {
    List<BadInputCase> out = new ArrayList<>();
    boolean hugeTaken = false;
    while (out.size() < count) {
      List<BadInputCase> round = new ArrayList<>(corpus.cases());
      Collections.shuffle(round, rnd);
      for (BadInputCase c : round) {
        boolean huge = c.line() != null && c.line().length >= BadInputCorpus.HUGE_LINE_BYTES;
        if (out.size() < count && !(huge && hugeTaken)) {
          out.add(c);
          hugeTaken |= huge;
        }
      }
    }
    return out;
  }

  /**
   * A valid request: 4-64 random prompt ids, greedy or seeded sampling, always within the model.
   */
  static String goodLine(String id, ModelSpec model, int maxTokens, Random rnd) {
    int promptLen = MIN_PROMPT + rnd.nextInt(MAX_PROMPT - MIN_PROMPT + 1);
    int tokens = Math.max(1, maxTokens / 4 + rnd.nextInt(maxTokens - maxTokens / 4 + 1));
    tokens = Math.min(tokens, model.contextLength() - promptLen);
    StringBuilder b = new StringBuilder(32 + promptLen * 6);
    b.append("{\"id\":\"").append(id).append("\",\"prompt_token_ids\":[");
    for (int t = 0; t < promptLen; t++) {
      b.append(t == 0 ? "" : ",").append(rnd.nextInt(model.vocabSize()));
    }
    b.append("],\"max_tokens\":").append(tokens).append(",\"ignore_eos\":true");
    if (rnd.nextBoolean()) {
      b.append(",\"temperature\":0");
    } else {
      b.append(",\"temperature\":0.8,\"top_p\":0.95,\"seed\":").append(rnd.nextInt(1_000_000));
    }
    return b.append('}').toString();
  }
}

package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Greedy runs whose every logit row is kept, for tests that compare two ways of computing the same
 * tokens bit for bit.
 */
final class LogitRows {

  record Req(String id, int[] prompt, int maxTokens) {}

  private LogitRows() {}

  /**
   * A request mix: {@code count} requests of random ids below 500; every third prompt starts with
   * the same {@code sharedPrefix} tokens (prefix-cache hits); every {@code longEvery}-th prompt has
   * up to {@code longPrompt} tokens, the others up to {@code shortPrompt}; up to {@code maxTokens}
   * new tokens each.
   */
  record Mix(
      int count, int sharedPrefix, int longEvery, int longPrompt, int shortPrompt, int maxTokens) {}

  static List<Req> requests(long seed, Mix mix) {
    Random rnd = new Random(seed);
    List<Req> reqs = new ArrayList<>();
    int[] shared = rnd.ints(mix.sharedPrefix(), 1, 500).toArray();
    for (int i = 0; i < mix.count(); i++) {
      int len = 1 + rnd.nextInt(i % mix.longEvery() == 0 ? mix.longPrompt() : mix.shortPrompt());
      int[] p = new int[len];
      for (int j = 0; j < len; j++) {
        p[j] = i % 3 == 0 && j < shared.length ? shared[j] : 1 + rnd.nextInt(500);
      }
      reqs.add(new Req("r" + i, p, 1 + rnd.nextInt(mix.maxTokens())));
    }
    return reqs;
  }

  /**
   * Every logit row of the run, keyed by request id and token index; {@code check} sees the engine
   * before it starts and after it finishes.
   */
  static Map<String, float[]> of(
      Path model, EngineConfig config, List<Req> reqs, Consumer<LlmEngine> check) {
    Map<String, float[]> out = new HashMap<>();
    try (LlmEngine engine = LlmEngine.load(model, config)) {
      engine.setLogitsObserver(
          (id, index, logits, offset, vocab) ->
              out.put(id + "@" + index, Arrays.copyOfRange(logits, offset, offset + vocab)));
      reqs.forEach(
          r ->
              engine.add(
                  r.id(), r.prompt(), SamplingParams.greedy(r.maxTokens()).withIgnoreEos(true)));
      while (engine.hasUnfinished()) {
        engine.step();
      }
      check.accept(engine);
    }
    return out;
  }

  /** Asserts that {@code got} has the same rows as {@code reference}, bit for bit. */
  static void assertSame(Map<String, float[]> reference, Map<String, float[]> got, String what) {
    assertThat(got.keySet()).isEqualTo(reference.keySet());
    List<String> differing = new ArrayList<>();
    reference.forEach(
        (k, v) -> {
          if (!Arrays.equals(v, got.get(k))) {
            differing.add(k);
          }
        });
    assertThat(differing).as("logit rows differing " + what).isEmpty();
  }
}

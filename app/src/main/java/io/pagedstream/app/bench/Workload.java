package io.pagedstream.app.bench;

import io.pagedstream.core.request.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic bulk job: random prompt ids from a seed (optionally sharing a common prefix, with
 * lengths fixed or drawn from a range) and a fixed number of new tokens each, past any EOS.
 */
public record Workload(List<Request> requests) {

  public record Request(String id, int[] prompt, SamplingParams params) {}

  public static Workload synthetic(
      int count,
      int promptLo,
      int promptHi,
      int sharedPrefix,
      int maxTokens,
      double temperature,
      int vocab,
      long seed) {
    if (promptLo < 1 || promptHi < promptLo) {
      throw new IllegalArgumentException(
          "prompt lengths need 1 <= LO <= HI, got " + promptLo + ":" + promptHi);
    }
    if (sharedPrefix > promptLo) {
      throw new IllegalArgumentException(
          "--shared-prefix-len ("
              + sharedPrefix
              + ") exceeds the shortest prompt ("
              + promptLo
              + ")");
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] prefix = rnd.ints(sharedPrefix, 0, vocab).toArray();
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int len = promptLo == promptHi ? promptLo : rnd.nextInt(promptLo, promptHi + 1);
      int[] prompt = new int[len];
      System.arraycopy(prefix, 0, prompt, 0, sharedPrefix);
      for (int j = sharedPrefix; j < len; j++) {
        prompt[j] = rnd.nextInt(vocab);
      }
      SamplingParams params = new SamplingParams(temperature, 1.0, 0, seed + i, maxTokens, true);
      out.add(new Request("req-" + i, prompt, params));
    }
    return new Workload(List.copyOf(out));
  }

  /** The same requests, each drawing {@code n} samples of its prompt (sharing its KV blocks). */
  public Workload withSamples(int n) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      SamplingParams p = r.params();
      out.add(
          new Request(
              r.id(),
              r.prompt(),
              new SamplingParams(
                  p.temperature(),
                  p.topP(),
                  p.topK(),
                  p.seed(),
                  p.maxTokens(),
                  p.ignoreEos(),
                  p.stop(),
                  p.stopTokenIds(),
                  p.logprobs(),
                  n)));
    }
    return new Workload(List.copyOf(out));
  }

  /**
   * Each request as {@code n} separate ones, {@code id#i} seeded with seed + i: what the requests'
   * n samples draw, without sharing their prompts.
   */
  public Workload asSeparateSamples(int n) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      SamplingParams p = r.params();
      for (int i = 0; i < n; i++) {
        out.add(
            new Request(
                r.id() + "#" + i,
                r.prompt(),
                new SamplingParams(
                    p.temperature(),
                    p.topP(),
                    p.topK(),
                    p.seed() == null ? null : p.seed() + i,
                    p.maxTokens(),
                    p.ignoreEos(),
                    p.stop(),
                    p.stopTokenIds(),
                    p.logprobs(),
                    1)));
      }
    }
    return new Workload(List.copyOf(out));
  }

  public long promptTokens() {
    return requests.stream().mapToLong(r -> r.prompt().length).sum();
  }

  public Workload first(int n) {
    return new Workload(requests.subList(0, Math.min(n, requests.size())));
  }
}

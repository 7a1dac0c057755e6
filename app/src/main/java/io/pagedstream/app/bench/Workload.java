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

  public static Workload synthetic(int count, int promptLo, int promptHi, int sharedPrefix, int maxTokens,
      double temperature, int vocab, long seed) {
    if (promptLo < 1 || promptHi < promptLo) {
      throw new IllegalArgumentException("prompt lengths need 1 <= LO <= HI, got " + promptLo + ":" + promptHi);
    }
    if (sharedPrefix > promptLo) {
      throw new IllegalArgumentException("--shared-prefix-len (" + sharedPrefix + ") exceeds the shortest prompt (" + promptLo + ")");
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

  public long promptTokens() {
    return requests.stream().mapToLong(r -> r.prompt().length).sum();
  }

  public Workload first(int n) {
    return new Workload(requests.subList(0, Math.min(n, requests.size())));
  }
}

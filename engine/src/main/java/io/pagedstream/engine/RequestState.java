package io.pagedstream.engine;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.RequestOutput.Choice;
import io.pagedstream.engine.scheduler.Sequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A request in the engine: its n samples (sample 0 first; the others once it has forked), the
 * choices of those that finished, and the log-probabilities gathered per sample. The request is
 * answered when its last sample finishes.
 */
final class RequestState {

  private final String id;
  private final int[] prompt;
  private final SamplingParams params;
  private final long baseSeed;
  private final long arrivalNanos = System.nanoTime();
  private final Sequence[] samples;
  private final Choice[] choices;
  private final List<List<TokenLogprobs>> logprobs;
  private int finished;

  RequestState(
      String id,
      int[] prompt,
      SamplingParams params,
      long baseSeed,
      Sequence first,
      StopStrings stopStrings) {
    this.stopStrings = stopStrings;
    this.id = id;
    this.prompt = prompt;
    this.params = params;
    this.baseSeed = baseSeed;
    this.samples = new Sequence[params.n()];
    this.choices = new Choice[params.n()];
    this.samples[0] = first;
    this.logprobs = new ArrayList<>(params.n());
    for (int i = 0; i < params.n(); i++) {
      logprobs.add(params.wantsLogprobs() ? new ArrayList<>() : null);
    }
  }

  private final StopStrings stopStrings;

  /** The request's stop strings' matcher, or null when it has none. */
  StopStrings stopStrings() {
    return stopStrings;
  }

  String id() {
    return id;
  }

  SamplingParams params() {
    return params;
  }

  /** Sample i's seed: the request's seed (or its one random base) plus i. */
  long seedOf(int index) {
    return baseSeed + index;
  }

  void addSample(Sequence s) {
    samples[s.sampleIndex()] = s;
  }

  /** The samples that exist so far (sample 0 alone until it forks). */
  List<Sequence> samples() {
    List<Sequence> out = new ArrayList<>(samples.length);
    for (Sequence s : samples) {
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  void addLogprobs(int index, TokenLogprobs lp) {
    logprobs.get(index).add(lp);
  }

  boolean isFinished(int index) {
    return choices[index] != null;
  }

  /** Records a sample's end; true when it was the request's last. */
  boolean finish(Sequence s, FinishReason reason, String stopText, String matchedStop) {
    int i = s.sampleIndex();
    if (choices[i] == null) {
      choices[i] = new Choice(i, s.outputTokens(), reason, logprobs.get(i), stopText, matchedStop);
      finished++;
    }
    return finished == choices.length;
  }

  /** Ends every unfinished sample with "error", those never forked included. */
  void failRest() {
    for (int i = 0; i < choices.length; i++) {
      if (choices[i] == null) {
        int[] ids = samples[i] == null ? new int[0] : samples[i].outputTokens();
        choices[i] = new Choice(i, ids, FinishReason.ERROR, logprobs.get(i), null, null);
        finished++;
      }
    }
  }

  /** The request's output; every choice must be recorded. */
  RequestOutput output(String error) {
    long first =
        Arrays.stream(samples)
            .filter(s -> s != null && s.firstTokenNanos() != 0)
            .mapToLong(Sequence::firstTokenNanos)
            .min()
            .orElse(0);
    double firstMillis = first == 0 ? -1 : (first - arrivalNanos) / 1e6;
    return new RequestOutput(
        id,
        prompt.clone(),
        Arrays.asList(choices),
        error,
        firstMillis,
        (System.nanoTime() - arrivalNanos) / 1e6);
  }
}

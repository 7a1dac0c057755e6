package io.pagedstream.app;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.core.request.ValidatedPrompt;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.RequestOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs parsed request lines through an engine and hands out exactly one result per line, in input
 * order. Result ids come from {@link ResultIds} and requests are checked by {@link
 * RequestValidator}, as on the Kafka path: a repeated id is an error result under a {@code line-N}
 * stand-in ({@code duplicate id "x" (already used on line M)}), and every bad request gets the same
 * message as there. The engine keys lines by their position.
 */
final class GenerationJob {

  private record Pending(String id, int promptTokens) {}

  private final LlmEngine engine;
  private final RequestValidator validator;
  private final Optional<TextTokenizer> tokenizer;
  private final Consumer<GenerationResult> sink;
  private final ResultIds resultIds = new ResultIds();
  private final List<Pending> pending = new ArrayList<>();
  private final Map<Integer, GenerationResult> done = new HashMap<>();
  private int nextToEmit;
  private long errors;

  GenerationJob(LlmEngine engine, RequestValidator validator, Consumer<GenerationResult> sink) {
    this.engine = engine;
    this.validator = validator;
    this.tokenizer = validator.tokenizer();
    this.sink = sink;
  }

  void submit(ParsedLine line) {
    int index = pending.size();
    ResultIds.Resolved resolved = resultIds.resolve(index + 1L, line);
    String id = resolved.id();
    if (line instanceof ParsedLine.Failed f) {
      pending.add(new Pending(id, 0));
      complete(index, GenerationResult.error(id, f.error(), 0));
      return;
    }
    if (resolved.problem() != null) {
      pending.add(new Pending(id, 0));
      complete(index, GenerationResult.error(id, resolved.problem(), 0));
      return;
    }
    var verdict = validator.validate(((ParsedLine.Ok) line).request());
    if (verdict instanceof RequestValidator.Verdict.Rejected rejected) {
      pending.add(new Pending(id, rejected.promptTokens()));
      complete(index, GenerationResult.error(id, rejected.error(), rejected.promptTokens()));
      return;
    }
    ValidatedPrompt p = ((RequestValidator.Verdict.Accepted) verdict).prompt();
    pending.add(new Pending(id, p.promptTokens()));
    engine.add(Integer.toString(index), p.promptTokenIds(), p.params());
  }

  /** Steps the engine until every submitted line has its result; {@code onStep} sees progress. */
  void runToEnd(Runnable onStep) {
    while (engine.hasUnfinished()) {
      for (RequestOutput o : engine.step()) {
        int index = Integer.parseInt(o.id());
        Pending p = pending.get(index);
        complete(index, o.isError()
            ? GenerationResult.error(p.id(), o.error(), p.promptTokens())
            : GenerationResult.generated(p.id(), o.outputTokenIds(),
                tokenizer.map(t -> t.completionText(o.outputTokenIds(), o.finishReason())).orElse(null),
                o.finishReason(), p.promptTokens()));
      }
      onStep.run();
    }
  }

  private void complete(int index, GenerationResult r) {
    if (r.isError()) {
      errors++;
    }
    done.put(index, r);
    while (done.containsKey(nextToEmit)) {
      sink.accept(done.remove(nextToEmit++));
    }
  }

  int submitted() {
    return pending.size();
  }

  int emitted() {
    return nextToEmit;
  }

  long errors() {
    return errors;
  }
}

package io.pagedstream.app;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.InvalidRequestException;
import io.pagedstream.core.request.ParsedLine;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.core.request.ServedModel;
import io.pagedstream.core.request.ValidatedPrompt;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.processor.OutputChoices;
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
 * message as there. The engine keys lines by their position. An OpenAI batch line is answered with
 * an OpenAI output line (its {@link ResponseFormat}), and must name the served model.
 */
final class GenerationJob {

  private record Pending(String id, int promptTokens, ResponseFormat format) {}

  private final LlmEngine engine;
  private final RequestValidator validator;
  private final ServedModel served;
  private final Optional<TextTokenizer> tokenizer;
  private final Consumer<GenerationResult> sink;
  private final ResultIds resultIds = new ResultIds();
  private final List<Pending> pending = new ArrayList<>();
  private final Map<Integer, GenerationResult> done = new HashMap<>();
  private int nextToEmit;
  private long errors;

  GenerationJob(
      LlmEngine engine,
      RequestValidator validator,
      ServedModel served,
      Consumer<GenerationResult> sink) {
    this.engine = engine;
    this.validator = validator;
    this.served = served;
    this.tokenizer = validator.tokenizer();
    this.sink = sink;
    // stop strings are matched on decoded text
    tokenizer.ifPresent(t -> engine.setTokenDecoder(t::decode));
  }

  void submit(ParsedLine line) {
    int index = pending.size();
    ResultIds.Resolved resolved = resultIds.resolve(index + 1L, line);
    String id = resolved.id();
    ResponseFormat format = line.format();
    if (line instanceof ParsedLine.Failed f) {
      pending.add(new Pending(id, 0, format));
      complete(index, GenerationResult.error(id, f.error(), 0, format));
      return;
    }
    if (resolved.problem() != null) {
      pending.add(new Pending(id, 0, format));
      complete(index, GenerationResult.error(id, resolved.problem(), 0, format));
      return;
    }
    var request = ((ParsedLine.Ok) line).request();
    try {
      served.check(request);
    } catch (InvalidRequestException e) {
      pending.add(new Pending(id, request.knownPromptTokens(), format));
      complete(
          index, GenerationResult.error(id, e.getMessage(), request.knownPromptTokens(), format));
      return;
    }
    var verdict = validator.validate(request);
    if (verdict instanceof RequestValidator.Verdict.Rejected rejected) {
      pending.add(new Pending(id, rejected.promptTokens(), format));
      complete(
          index, GenerationResult.error(id, rejected.error(), rejected.promptTokens(), format));
      return;
    }
    ValidatedPrompt p = ((RequestValidator.Verdict.Accepted) verdict).prompt();
    pending.add(new Pending(id, p.promptTokens(), format));
    engine.add(Integer.toString(index), p.promptTokenIds(), p.params());
  }

  /** Steps the engine until every submitted line has its result; {@code onStep} sees progress. */
  void runToEnd(Runnable onStep) {
    while (engine.hasUnfinished()) {
      for (RequestOutput o : engine.step()) {
        int index = Integer.parseInt(o.id());
        Pending p = pending.get(index);
        complete(
            index,
            o.isError()
                ? GenerationResult.error(p.id(), o.error(), p.promptTokens(), p.format())
                : GenerationResult.of(
                    p.id(),
                    OutputChoices.of(o, tokenizer),
                    p.promptTokens(),
                    p.format(),
                    System.currentTimeMillis()));
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

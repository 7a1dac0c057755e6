package io.pagedstream.core.request;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The id each input line's result goes out under: the line's own id when valid and not taken by an
 * earlier line, else a {@link IdRegistry} stand-in. Ingest routes with it, {@code generate} answers
 * with it (so a duplicate id is the same error on both paths), and a reader of the results uses
 * {@link #forInput} to put them back in input order.
 */
public final class ResultIds {

  /** A line's result id, and why the line is an error when its id is the reason. */
  public record Resolved(String id, String problem) {}

  private final IdRegistry ids = new IdRegistry();

  /** Resolves line {@code number} (1-based, every line counted); call once per line, in order. */
  public Resolved resolve(long number, ParsedLine line) {
    String own = line.id();
    Optional<String> idProblem = RequestValidator.idProblem(own);
    if (idProblem.isPresent()) {
      return new Resolved(
          ids.claimFallback(number), line instanceof ParsedLine.Ok ? idProblem.get() : null);
    }
    if (ids.claim(own, number)) {
      return new Resolved(own, null);
    }
    String fallback = ids.claimFallback(number);
    // a line that failed anyway keeps its own error; a good request fails because of the clash
    String problem =
        line instanceof ParsedLine.Ok
            ? "duplicate id \"" + own + "\" (already used on line " + ids.lineOf(own) + ")"
            : null;
    return new Resolved(fallback, problem);
  }

  /**
   * The rule for a line on its own, without the lines before it (a producer that does not keep
   * every id it sent): its own id when usable, else {@code line-N}.
   */
  public static Resolved alone(long number, ParsedLine line) {
    Optional<String> idProblem = RequestValidator.idProblem(line.id());
    if (idProblem.isEmpty()) {
      return new Resolved(line.id(), null);
    }
    return new Resolved("line-" + number, line instanceof ParsedLine.Ok ? idProblem.get() : null);
  }

  /** The result ids of a JSONL input, one per line, in line order. */
  public static List<String> forInput(Path input) throws IOException {
    try (InputStream in = Files.newInputStream(input)) {
      ResultIds ids = new ResultIds();
      List<String> out = new ArrayList<>();
      long[] number = {0};
      JsonlReader.read(in, line -> out.add(ids.resolve(++number[0], line).id()));
      return out;
    }
  }
}

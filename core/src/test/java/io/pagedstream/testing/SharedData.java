package io.pagedstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the models and golden outputs the tests check against, in this order:
 *
 * <ol>
 *   <li>the repository's own {@code testdata/} (with {@code models/} and {@code golden/}), found by
 *       walking up from the working directory, so a plain clone runs its tests;
 *   <li>the folder named by the {@code pagedstream.shared} property or the {@code
 *       PAGEDSTREAM_SHARED} variable;
 *   <li>the first {@code shared/} beside the working directory or one of its parents.
 * </ol>
 *
 * Tests need the data and fail clearly without it: they check real weights, there is nothing to
 * skip to.
 */
public final class SharedData {

  private SharedData() {}

  public static Path root() {
    List<Path> tried = new ArrayList<>();
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("testdata");
      tried.add(p);
      if (holdsData(p)) {
        return p;
      }
    }
    String prop = System.getProperty("pagedstream.shared");
    String env = System.getenv("PAGEDSTREAM_SHARED");
    for (String s : new String[] {prop, env}) {
      if (s != null && !s.isBlank()) {
        Path p = Paths.get(s).toAbsolutePath().normalize();
        tried.add(p);
        if (holdsData(p)) {
          return p;
        }
      }
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolveSibling("shared");
      tried.add(p);
      if (holdsData(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the test models and golden data (the repository's testdata/); tried "
            + tried
            + " (set PAGEDSTREAM_SHARED)");
  }

  private static boolean holdsData(Path p) {
    return Files.isDirectory(p.resolve("models")) && Files.isDirectory(p.resolve("golden"));
  }

  public static Path model(String name) {
    return root().resolve("models").resolve(name);
  }

  public static JsonNode golden(String file) {
    try {
      return new ObjectMapper().readTree(root().resolve("golden").resolve(file).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  public static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }
}

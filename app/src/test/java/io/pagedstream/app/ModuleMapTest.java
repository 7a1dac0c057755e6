package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The module map in docs/ARCHITECTURE.md is the build's: every module of the parent pom is in the
 * table, with exactly the project modules its pom depends on in compile scope.
 */
class ModuleMapTest {

  private static final Path ROOT = Path.of("..");
  private static final Pattern MODULE = Pattern.compile("<module>([\\w-]+)</module>");
  private static final Pattern DEPENDENCY =
      Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern OWN_ARTIFACT =
      Pattern.compile("<artifactId>pagedstream-([\\w-]+)</artifactId>");
  private static final Pattern ROW =
      Pattern.compile("^\\| `([\\w-]+)` \\|([^|]*)\\|", Pattern.MULTILINE);

  @Test
  void theArchitectureDocsModuleMapMatchesThePoms() throws IOException {
    assertThat(documented()).isEqualTo(built());
  }

  private static Map<String, Set<String>> built() throws IOException {
    String parent = withoutComments(Files.readString(ROOT.resolve("pom.xml")));
    // the default modules: the bench profile's module is optional
    String modules = parent.substring(0, parent.indexOf("<profiles>"));
    Map<String, Set<String>> deps = new TreeMap<>();
    Matcher m = MODULE.matcher(modules);
    while (m.find()) {
      String module = m.group(1);
      Set<String> own = new TreeSet<>();
      Matcher d =
          DEPENDENCY.matcher(
              withoutComments(Files.readString(ROOT.resolve(module).resolve("pom.xml"))));
      while (d.find()) {
        Matcher a = OWN_ARTIFACT.matcher(d.group(1));
        if (a.find() && !d.group(1).contains("<scope>test</scope>")) {
          own.add(a.group(1));
        }
      }
      deps.put(module, own);
    }
    return deps;
  }

  private static Map<String, Set<String>> documented() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/ARCHITECTURE.md"));
    String map = doc.substring(doc.indexOf("### Module map"));
    map = map.substring(0, map.indexOf("\n\n", map.indexOf("| module |")));
    Map<String, Set<String>> deps = new TreeMap<>();
    Matcher m = ROW.matcher(map);
    while (m.find()) {
      Set<String> on = new TreeSet<>();
      for (String part : m.group(2).split(",")) {
        String name = part.trim().replace("`", "");
        if (!name.isEmpty()) {
          on.add(name);
        }
      }
      deps.put(m.group(1), on);
    }
    return deps;
  }

  private static String withoutComments(String xml) {
    return xml.replaceAll("(?s)<!--.*?-->", "");
  }
}

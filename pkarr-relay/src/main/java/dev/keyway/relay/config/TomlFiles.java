package dev.keyway.relay.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a TOML file into a tree of plain Java records (one record per table), strictly: an
 * unknown key, a value of the wrong type, or a syntax error becomes a one-line {@link
 * ConfigException} that names the file, the key (as written in the file: {@code store.fsync}), the
 * value and what is expected; for unknown keys it lists the known ones, for syntax errors it gives
 * the line and column. Record components map to {@code snake_case} keys ({@code bindAddr} reads
 * {@code bind_addr}); absent keys read as null, so components should be boxed types and the caller
 * applies its defaults while validating.
 *
 * <p>Nothing is converted behind the user's back: a float where an integer is expected ({@code
 * port = 6881.5}), a string where a number or boolean is expected ({@code fsync = "yes"}, {@code
 * port = ""}) and a number or boolean where a string is expected are all errors. Components typed
 * {@link Object} take any value and leave the checking to the caller (durations, see {@link
 * Durations#fromValue}).
 *
 * <p>This is the whole "config loading approach": read strictly here, then validate once into an
 * immutable config object (as {@code RelayConfig.fromFile} does), then never change it.
 */
public final class TomlFiles {
  private static final PropertyNamingStrategies.NamingBase NAMING =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private static final TomlMapper MAPPER = TomlMapper.builder()
      .propertyNamingStrategy(NAMING)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      // ALLOW_COERCION_OF_SCALARS off already refuses "6881" for a number; these refuse the rest:
      // "" read as absent, 5 / true / 1.5 read as the string "5" / "true" / "1.5", 0 / 1 as booleans.
      .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
      .withCoercionConfig(LogicalType.Textual, c -> c
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .withCoercionConfig(LogicalType.Integer, c -> c
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
      .withCoercionConfig(LogicalType.Boolean, c -> c
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
      .build();

  private TomlFiles() {}

  /** Reads {@code file} into {@code type}. */
  public static <T> T read(Path file, Class<T> type) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      if (Files.isDirectory(file)) {
        throw new ConfigException("cannot read config file " + file + ": it is a directory");
      }
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + reason(e), e);
    }
    return parse(text, type, file.toString());
  }

  /** Why a file could not be read, in words (an AccessDeniedException's message is only the path). */
  static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text (TOML files are UTF-8)";
    }
    String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
    if (reason == null || reason.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
  }

  /** Parses TOML text; {@code source} names it in error messages. */
  public static <T> T parse(String toml, Class<T> type, String source) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(toml);
    } catch (JacksonException e) {
      throw syntaxError(toml, source, e);
    }
    if (tree == null || !tree.isObject()) {
      throw new ConfigException(source + ": empty config");
    }
    try {
      return MAPPER.readerFor(type).readValue(tree);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw new ConfigException(source + ": unknown key '" + e.getPropertyName() + "'"
          + where(e) + (known.isEmpty() ? "" : " (known keys: " + known + ")"), e);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ConfigException ce) {
        throw new ConfigException(source + ": " + ce.getMessage(), ce);
      }
      if (cause instanceof IllegalArgumentException iae) {
        throw new ConfigException(source + ": " + key(e.getPath()) + ": " + iae.getMessage(), iae);
      }
      throw wrongType(tree, type, source, e);
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every key {@code type} accepts, dotted ({@code http.port}, {@code dns.rrl.burst}), in
   * declaration order; tables are not listed themselves, only their keys. For checking that a
   * reference config documents every key.
   */
  public static List<String> keys(Class<?> type) {
    List<String> keys = new ArrayList<>();
    collectKeys(type, "", keys);
    return keys;
  }

  private static void collectKeys(Class<?> type, String prefix, List<String> out) {
    for (RecordComponent c : type.getRecordComponents()) {
      String key = prefix + NAMING.translate(c.getName());
      if (c.getType().isRecord()) {
        collectKeys(c.getType(), key + ".", out);
      } else {
        out.add(key);
      }
    }
  }

  // ---- syntax errors ----

  private static final Pattern KEY_BEFORE_EQUALS = Pattern.compile(
      "(?:^|[{,])\\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\\s*\\.\\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\\s*=");
  private static final Pattern TABLE_HEADER = Pattern.compile("^\\s*\\[\\[?\\s*([^\\]]+?)\\s*\\]");

  /**
   * {@code source:line:column: not valid TOML: what}. The parser says "Duplicate key" and "Table
   * redefined" without the name; it is taken from the line the parser stopped on (the parser
   * stops at the end of the duplicate's value, or at the start of the next line, so the last
   * {@code key =} before that point is it), and the column moved to where the key or header
   * starts.
   */
  private static ConfigException syntaxError(String toml, String source, JacksonException e) {
    String what = e.getOriginalMessage();
    what = what == null || what.isEmpty() ? "syntax error"
        : what.substring(0, 1).toLowerCase(Locale.ROOT) + what.substring(1);
    JsonLocation loc = e.getLocation();
    int line = loc == null ? -1 : loc.getLineNr();
    int column = loc == null ? -1 : loc.getColumnNr();
    boolean named = what.equals("duplicate key") || what.equals("table redefined");
    if (named && column <= 1 && line > 1) { // the parser stopped past the line's end
      line--;
      String previous = lineAt(toml, line);
      column = previous == null ? -1 : previous.length() + 1;
    }
    String text = line >= 1 ? lineAt(toml, line) : null;
    if (text != null && what.equals("duplicate key")) {
      Matcher m = KEY_BEFORE_EQUALS.matcher(text.substring(0, Math.min(text.length(),
          Math.max(0, column - 1))));
      int start = -1;
      String name = null;
      while (m.find()) {
        start = m.start(1);
        name = m.group(1).replaceAll("\\s*\\.\\s*", ".");
      }
      if (name != null) {
        what = "duplicate key '" + name + "'";
        column = start + 1;
      }
    } else if (text != null && what.equals("table redefined")) {
      Matcher m = TABLE_HEADER.matcher(text);
      if (m.find()) {
        what = "table [" + m.group(1).replaceAll("\\s+", "") + "] defined twice";
        column = text.indexOf('[') + 1;
      }
    }
    String at = line >= 1 && column >= 1 ? ":" + line + ":" + column
        : line >= 1 ? ":" + line : "";
    return new ConfigException(source + at + ": not valid TOML: " + what, e);
  }

  private static String lineAt(String text, int lineNr) {
    String[] lines = text.split("\r?\n", -1);
    return lineNr <= lines.length ? lines[lineNr - 1] : null;
  }

  // ---- wrong types ----

  private static ConfigException wrongType(JsonNode tree, Class<?> type, String source,
      JsonMappingException e) {
    List<JsonMappingException.Reference> path = e.getPath();
    String key = key(path);
    JsonNode value = tree;
    Type declared = type;
    for (JsonMappingException.Reference r : path) {
      value = value == null ? null
          : r.getFieldName() != null ? value.get(r.getFieldName()) : value.get(r.getIndex());
      declared = declared == null ? null : componentType(declared, r);
    }
    String expected = declared == null ? null : expected(declared, key, value);
    if (value == null || expected == null) {
      String detail = e.getOriginalMessage();
      return new ConfigException(source + ": " + (key.isEmpty() ? "" : key + ": ")
          + (detail == null ? "wrong type" : detail.replaceAll(" \\(.*", "")), e);
    }
    return new ConfigException(source + ": " + key + ": expected " + expected + ", got "
        + describe(value), e);
  }

  /** The type of the component or element {@code r} refers to inside {@code t}, or null. */
  private static Type componentType(Type t, JsonMappingException.Reference r) {
    Class<?> raw = raw(t);
    if (r.getFieldName() != null && raw != null && raw.isRecord()) {
      for (RecordComponent c : raw.getRecordComponents()) {
        if (NAMING.translate(c.getName()).equals(r.getFieldName())) {
          return c.getGenericType();
        }
      }
      return null;
    }
    if (r.getFieldName() == null && raw != null && Collection.class.isAssignableFrom(raw)
        && t instanceof ParameterizedType p) {
      return p.getActualTypeArguments()[0];
    }
    return null;
  }

  private static Class<?> raw(Type t) {
    return t instanceof Class<?> c ? c
        : t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
  }

  /** What a value of type {@code t} is written as, or null if it is not one we know. */
  private static String expected(Type t, String key, JsonNode value) {
    Class<?> raw = raw(t);
    if (raw == null) {
      return null;
    }
    if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
      if (value.isIntegralNumber()) { // out of range
        boolean isInt = raw == Integer.class || raw == int.class;
        return "an integer from " + (isInt ? Integer.MIN_VALUE : Long.MIN_VALUE) + " to "
            + (isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
      }
      return "an integer";
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return "true or false";
    }
    if (raw == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(raw)) {
      Type element = t instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : null;
      return element == String.class ? "an array of strings, e.g. [\"a\", \"b\"]" : "an array";
    }
    if (raw.isRecord()) {
      return "a table ([" + key + "])";
    }
    return null;
  }

  /** A value as TOML shows it: strings quoted, floats with a point, tables and arrays by kind. */
  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return quote(v.textValue());
    }
    if (v.isObject()) {
      return "a table";
    }
    if (v.isArray()) {
      return "an array";
    }
    if (v.isNumber()) {
      return describe(v.numberValue());
    }
    return v.asText();
  }

  /**
   * A value read into an {@link Object} component, shown as TOML writes it: strings quoted (and
   * cut after 60 characters), floats with a point ({@code 5.0}), tables and arrays by kind.
   */
  public static String describe(Object v) {
    if (v instanceof String s) {
      return quote(s);
    }
    if (v instanceof Map<?, ?>) {
      return "a table";
    }
    if (v instanceof Collection<?>) {
      return "an array";
    }
    if (v instanceof BigDecimal d) {
      String plain = d.stripTrailingZeros().toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    if (v instanceof Double d) {
      return d.isNaN() ? "nan" : d.isInfinite() ? (d > 0 ? "inf" : "-inf")
          : describe(BigDecimal.valueOf(d));
    }
    if (v instanceof Float f) {
      return describe(f.doubleValue());
    }
    return String.valueOf(v);
  }

  /** True for TOML integers (as read into an {@link Object} component). */
  public static boolean isInteger(Object v) {
    return v instanceof Integer || v instanceof Long || v instanceof BigInteger
        || v instanceof Short || v instanceof Byte;
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    int max = 60;
    for (int i = 0; i < s.length() && i < max; i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (ch < 0x20 || ch == 0x7f) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append(s.length() > max ? "...\"" : "\"").toString();
  }

  // ---- key paths ----

  private static String where(JsonMappingException e) {
    List<JsonMappingException.Reference> refs = e.getPath();
    String table = key(refs.subList(0, Math.max(0, refs.size() - 1)));
    return table.isEmpty() ? " at the top level" : " in [" + table + "]";
  }

  /** The key as written in the file: {@code store.fsync}, {@code dns.origins[1]}. */
  private static String key(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }
}

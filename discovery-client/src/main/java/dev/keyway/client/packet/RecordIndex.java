package dev.keyway.client.packet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The answer records of one packet grouped by owner name relative to the key and by type, built
 * once so a DNS query costs two hash lookups instead of a scan or a re-parse.
 */
final class RecordIndex {
  private final String origin;
  private final Map<String, Entry> byName;

  private RecordIndex(String origin, Map<String, Entry> byName) {
    this.origin = origin;
    this.byName = byName;
  }

  /** Indexes the records whose owner is {@code origin} or under it; others are left out. */
  static RecordIndex build(String origin, List<Record> answers) {
    Map<String, List<Record>> grouped = new LinkedHashMap<>();
    for (Record r : answers) {
      String key = relativeKey(origin, r.getName());
      if (key != null) {
        grouped.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
      }
    }
    Map<String, Entry> byName = new HashMap<>(grouped.size() * 2);
    grouped.forEach((name, records) -> byName.put(name, Entry.of(records)));
    return new RecordIndex(origin, byName);
  }

  /** The key's z-base-32 form, the TLD of every indexed name. */
  String origin() {
    return origin;
  }

  List<Record> all(String relativeKey) {
    Entry e = byName.get(relativeKey);
    return e == null ? List.of() : e.all;
  }

  List<Record> ofType(String relativeKey, int type) {
    Entry e = byName.get(relativeKey);
    if (e == null) {
      return List.of();
    }
    List<Record> records = e.byType.get(type);
    return records == null ? List.of() : records;
  }

  /** The lowercase labels before the key label, dot-joined; null if not under the key. */
  private static String relativeKey(String origin, Name name) {
    int labels = name.labels() - (name.isAbsolute() ? 1 : 0);
    if (labels < 1 || !name.getLabelString(labels - 1).equalsIgnoreCase(origin)) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < labels - 1; i++) {
      if (i > 0) {
        sb.append('.');
      }
      sb.append(name.getLabelString(i));
    }
    return PkarrNames.lower(sb.toString());
  }

  private record Entry(List<Record> all, Map<Integer, List<Record>> byType) {
    static Entry of(List<Record> records) {
      Map<Integer, List<Record>> byType = new HashMap<>();
      for (Record r : records) {
        byType.computeIfAbsent(r.getType(), t -> new ArrayList<>()).add(r);
      }
      byType.replaceAll((t, list) -> List.copyOf(list));
      return new Entry(List.copyOf(records), Map.copyOf(byType));
    }
  }
}

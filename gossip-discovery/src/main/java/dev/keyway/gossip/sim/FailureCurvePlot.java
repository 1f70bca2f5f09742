package dev.keyway.gossip.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws reliability against the fraction of failed nodes, one line per broadcast after the crash,
 * as a PNG (java.awt, headless): on the left the whole 0-100 % range, on the right the later
 * broadcasts zoomed in, where the lines would otherwise overlap.
 */
public final class FailureCurvePlot {
  private static final int W = 1200;
  private static final int H = 560;
  private static final Color[] COLORS = {
      new Color(0xd62728), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x1f77b4), new Color(0x9467bd)};
  private static final float[][] DASHES = {null, {9f, 5f}, {3f, 4f}, {12f, 4f, 3f, 4f}, null};

  private FailureCurvePlot() {}

  /** Writes the plot of {@code rows} to {@code file}. */
  public static void write(List<FailureRow> rows, String title, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<FailureRow> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingDouble(FailureRow::fraction));
    int broadcasts = sorted.get(0).reliability().size();
    List<Integer> series = new ArrayList<>();
    for (int b : new int[] {0, 1, 2, 4}) {
      if (b < broadcasts) {
        series.add(b);
      }
    }
    if (!series.contains(broadcasts - 1)) {
      series.add(broadcasts - 1);
    }

    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString("Reliability of each broadcast after crashing a fraction of the nodes at once (" + title + ")", 70, 26);

    panel(g, 70, 60, 430, 420, sorted, series, 0.0, "all broadcasts, 0-100 %");
    // Zoom on the broadcasts after the first; points below the range sit on the bottom edge.
    double zoom = 0.9;
    panel(g, 600, 60, 430, 420, sorted, series.subList(1, series.size()), zoom,
        "broadcasts #2 on, 90-100 % (lower values drawn on the bottom edge)");

    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int s = 0; s < series.size(); s++) {
      int ly = 90 + s * 22;
      style(g, s);
      g.drawLine(1060, ly, 1090, ly);
      g.fillOval(1071, ly - 4, 8, 8);
      g.setColor(Color.BLACK);
      g.drawString("broadcast #" + (series.get(s) + 1), 1097, ly + 4);
    }
    g.dispose();
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(img, "png", file.toFile());
  }

  private static void style(Graphics2D g, int s) {
    g.setColor(COLORS[s % COLORS.length]);
    float[] dash = DASHES[s % DASHES.length];
    g.setStroke(dash == null ? new BasicStroke(2.2f)
        : new BasicStroke(2.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, dash, 0f));
  }

  private static void panel(Graphics2D g, int left, int top, int pw, int ph, List<FailureRow> rows,
      List<Integer> series, double yMin, String caption) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setStroke(new BasicStroke(1f));
    for (int i = 0; i <= 10; i++) {
      int x = left + pw * i / 10;
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(x, top, x, top + ph);
      g.setColor(Color.BLACK);
      String label = (i * 10) + "%";
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, top + ph + 18);
    }
    int ySteps = 10;
    for (int i = 0; i <= ySteps; i++) {
      double v = yMin + (1 - yMin) * i / ySteps;
      int y = top + ph - (int) Math.round(ph * (v - yMin) / (1 - yMin));
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(left, y, left + pw, y);
      g.setColor(Color.BLACK);
      String label = String.format(Locale.ROOT, yMin > 0.5 ? "%.1f%%" : "%.0f%%", v * 100);
      g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    g.drawRect(left, top, pw, ph);
    g.drawString(caption, left + 4, top - 8);
    g.drawString("failed nodes", left + pw / 2 - 35, top + ph + 38);
    Graphics2D gv = (Graphics2D) g.create();
    gv.rotate(-Math.PI / 2);
    gv.drawString("reliability (live nodes delivering)", -(top + ph / 2 + 95), left - 52);
    gv.dispose();

    for (int s = 0; s < series.size(); s++) {
      int b = series.get(s);
      int styleIndex = yMin > 0 ? s + 1 : s;
      int px = -1;
      int py = -1;
      for (FailureRow r : rows) {
        int x = left + (int) Math.round(pw * r.fraction());
        double v = Math.max(yMin, r.reliability().get(b));
        int y = top + ph - (int) Math.round(ph * (v - yMin) / (1 - yMin));
        style(g, styleIndex);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        g.fillOval(x - 4, y - 4, 8, 8);
        px = x;
        py = y;
      }
    }
  }
}

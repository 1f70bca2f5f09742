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
 * Draws reliability against the fraction of failed nodes (one line per broadcast after the crash)
 * as a PNG, with java.awt in headless mode.
 */
public final class FailureCurvePlot {
  private static final int W = 900;
  private static final int H = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 200;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final Color[] COLORS = {
      new Color(0xd62728), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x1f77b4), new Color(0x9467bd)};

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
    // The y axis starts where the data starts, rounded down to 10 %, so small losses are visible.
    double lowest = 1;
    for (FailureRow r : sorted) {
      for (int b : series) {
        lowest = Math.min(lowest, r.reliability().get(b));
      }
    }
    double yMin = Math.max(0, Math.floor(lowest * 10 - 1e-9) / 10);
    if (yMin > 0.9) {
      yMin = 0.9;
    }

    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;

    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.setColor(Color.BLACK);
    g.drawString("Reliability after crashing a fraction of nodes at once (" + title + ")", LEFT, 28);

    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i <= 10; i++) {
      int x = LEFT + pw * i / 10;
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(x, TOP, x, TOP + ph);
      g.setColor(Color.BLACK);
      String label = (i * 10) + "%";
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + ph + 18);
    }
    int ySteps = (int) Math.round((1 - yMin) * 20);
    for (int i = 0; i <= ySteps; i++) {
      double v = yMin + (1 - yMin) * i / ySteps;
      int y = TOP + ph - (int) Math.round(ph * (v - yMin) / (1 - yMin));
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(LEFT, y, LEFT + pw, y);
      g.setColor(Color.BLACK);
      String label = String.format(Locale.ROOT, "%.0f%%", v * 100);
      g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, pw, ph);
    g.drawString("failed nodes", LEFT + pw / 2 - 35, H - 20);
    Graphics2D gv = (Graphics2D) g.create();
    gv.rotate(-Math.PI / 2);
    gv.drawString("reliability (live nodes delivering)", -(TOP + ph / 2 + 95), 22);
    gv.dispose();

    for (int s = 0; s < series.size(); s++) {
      int b = series.get(s);
      g.setColor(COLORS[s % COLORS.length]);
      g.setStroke(new BasicStroke(2.2f));
      int px = -1;
      int py = -1;
      for (FailureRow r : sorted) {
        int x = LEFT + (int) Math.round(pw * r.fraction());
        int y = TOP + ph - (int) Math.round(ph * (r.reliability().get(b) - yMin) / (1 - yMin));
        y = Math.min(TOP + ph, y);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        g.fillOval(x - 4, y - 4, 8, 8);
        px = x;
        py = y;
      }
      int ly = TOP + 20 + s * 22;
      g.drawLine(LEFT + pw + 15, ly, LEFT + pw + 45, ly);
      g.fillOval(LEFT + pw + 26, ly - 4, 8, 8);
      g.setColor(Color.BLACK);
      g.drawString("broadcast #" + (b + 1), LEFT + pw + 52, ly + 4);
    }
    g.dispose();
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(img, "png", file.toFile());
  }
}

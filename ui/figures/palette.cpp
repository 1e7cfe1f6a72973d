#include "ui/figures/palette.h"

namespace qs::ui {

QColor schemeColor(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Uniform:
        return {0x00, 0x72, 0xB2};
    case Scheme::PoT:
        return {0xD5, 0x5E, 0x00};
    case Scheme::APoT:
        return {0x00, 0x9E, 0x73};
    }
    return Qt::black;
}

QString schemeLabel(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Uniform:
        return QStringLiteral("Uniform");
    case Scheme::PoT:
        return QStringLiteral("PoT");
    case Scheme::APoT:
        return QStringLiteral("APoT");
    }
    return {};
}

QString schemeToolTip(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Uniform:
        return QStringLiteral(
            "<b>Uniform</b>: 2<sup>b</sup> evenly spaced levels on [0, 1] (unsigned) or "
            "2<sup>b</sup>&minus;1 on [&minus;1, 1] (signed). Cheap, but few levels near the "
            "mean of a bell-shaped weight distribution.");
    case Scheme::PoT:
        return QStringLiteral(
            "<b>PoT</b>: levels 0 and &plusmn;2<sup>&minus;k</sup>; multiplications become "
            "shifts. Rigid resolution: each extra bit only adds tiny levels crowding near 0.");
    case Scheme::APoT:
        return QStringLiteral(
            "<b>APoT</b>: each level is a sum of powers of two (the reference's "
            "<tt>build_power_value</tt>), spread over mean and tail, still shift-add. Signed "
            "b-bit weights use b&minus;1 magnitude bits; 2-bit signed is ternary {&minus;1, 0, "
            "1}.");
    }
    return {};
}

namespace formulas {

QString dsq()
{
    return QStringLiteral(
        "<b>DSQ</b> (differentiable soft quantization): inside cell i of width &Delta;, "
        "&phi;(x) = s&middot;tanh(k(x &minus; m<sub>i</sub>)), s = 1/(1&minus;&alpha;), "
        "k = ln(2/&alpha; &minus; 1)/&Delta;. The curve tightens toward the step as &alpha; &rarr; 0, and "
        "its "
        "slope s&middot;k/2&middot;sech&sup2; vanishes between the levels. "
        "<br><i>Reference code:</i> DSQ uses 2<sup>b</sup> evenly spaced levels over [l, u] &mdash; no zero "
        "level when signed, unlike the uniform quantizer.");
}

QString daq()
{
    return QStringLiteral(
        "<b>DAQ</b> (distance-aware quantization): distance score d = exp(&minus;|x &minus; q|), adaptive "
        "temperature T = &gamma;/|s<sub>0</sub> &minus; s<sub>1</sub>| (detached), kernel soft-argmax over "
        "the "
        "two nearest levels. <i>The reference's forward equals hard rounding</i>; only the backward is soft: "
        "&gamma;/(2 sinh &gamma;) &middot; coth((1 + &sigma;<sup>&minus;2</sup> &minus; 2d)/2). "
        "<br><i>Differs from the reference:</i> the soft-argmax subtracts a per-element max (the reference a "
        "global one): the same values wherever the reference does not underflow.");
}

QString ewgs()
{
    return QStringLiteral(
        "<b>EWGS</b> (element-wise gradient scaling): hard forward, backward "
        "g<sub>x</sub> = g<sub>q</sub>(1 + &delta;&middot;sign(g<sub>q</sub>)&middot;(x<sub>n</sub> &minus; "
        "x<sub>q</sub>)) inside the clip range, 0 outside. With &delta; = 0 it is the STE. The seed paper "
        "sets "
        "&delta; = (Tr(H)/N)/G from a Hutchinson estimate; with APoT's 0 level it reports very large &delta; "
        "and exploding loss (Fig. 8) &mdash; a hypothesis to test, not a fact.<br>"
        "Units of x<sub>n</sub> &minus; x<sub>q</sub>: on a uniform/PoT/APoT grid (APoT+EWGS) the grid's "
        "own, "
        "signed weights in [&minus;1, 1] (<tt>ewgs_distance_units = grid</tt>, the default), or the EWGS "
        "code's "
        "[0, 1] normalization (<tt>ewgs_distance_units = normalized</tt>: half the weight distance for a "
        "fixed "
        "&delta;). The <tt>ewgs</tt> method (the official QConv) always measures it in [0, 1].");
}

QString ste()
{
    return QStringLiteral("<b>STE</b> (straight-through estimator): hard forward, backward g<sub>x</sub> = "
                          "g<sub>q</sub> inside the clip range, 0 outside.");
}

QString staircase()
{
    return QStringLiteral(
        "The hard quantizer y = &alpha;&middot;P(clamp(x/&alpha;)): x is scaled by the clip "
        "value &alpha;, clamped to the level range and projected to the nearest level "
        "(ties to the lower one).");
}

} // namespace formulas

} // namespace qs::ui

#pragma once
// The Deploy page's figure and texts (core/deploy/deploy.h's plan for a microcontroller): flash and RAM of
// the generated C model as horizontal bars against common budgets (256 KiB and 1 MiB of flash, 64 KiB of
// RAM) with the same weights as float32 for the 32/b comparison, and a weight level written as the shifts
// and adds (or the integer multiply) the C computes its product with.

#include "core/deploy/deploy.h"
#include "ui/plotting/figure.h"

#include <QString>

#include <cstdint>

namespace qs::ui {

// Budgets drawn on the Deploy chart, in KiB (1 KiB = 1024 bytes, as microcontroller data sheets count).
inline constexpr double kFlashBudgetsKiB[] = {256.0, 1024.0};
inline constexpr double kRamBudgetKiB = 64.0;

// Panel "memory": a y category per row ("RAM" at the bottom, "Flash", "float32" on top) and x in KiB.
// Series: "flash.weights" and "flash.parameters" (stacked on the Flash row), "ram.activations" (the arena),
// "float.weights" (the float32 row), each a bar drawn as a thick horizontal segment from its start to its
// end; "budget.flash" and "budget.flash.1mib" (dashed lines at 256 KiB and 1 MiB across the two flash rows)
// and "budget.ram" (64 KiB across the RAM row), the three one legend entry; the float32 bar is named by its
// row only. The note sums it up; the settings name the checkpoint, scheme and bits.
FigureSpec makeDeployFigure(const DeployPlan &plan, const QString &checkpoint);
// The same panel with no bars, only the budgets (no model, or a model the core could not plan).
FigureSpec emptyDeployFigure();

// "896 B", "142.3 KiB", "1.03 MiB".
QString bytesText(int64_t bytes);
// "36,864": whole numbers in the tables.
QString countText(int64_t n);
// "shift-add" or "multiply".
QString arithmeticText(DeployArithmetic arithmetic);
// What the C computes for this level's product with an input code a: "(a<<1) + (a<<0)" on a shift-add layer
// (a negative level: "−[(a<<1) + (a<<0)]", one term "−(a<<2)"), "a · 3" on a multiply layer, and
// "0 (skipped)" for the zero level.
QString levelProductText(const DeployLevel &level, DeployArithmetic arithmetic);
// "0.75 = 3 · s": the level as its integer times the layer's scale.
QString levelEquationText(const DeployLevel &level);

} // namespace qs::ui

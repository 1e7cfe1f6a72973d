#include "core/runs/trials.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace qs {

namespace {

std::string groupLabel(const RunSummary &first, size_t n)
{
    const std::string label = first.label.empty() ? first.dir : first.label;
    return n > 1 ? label + " (" + std::to_string(n) + " trials)" : label;
}

} // namespace

bool isTrialInvariantKey(const std::string &key)
{
    return key == "seed" || key == "init" || key == "dataset" || key == "threads" || key == "log_every";
}

std::map<std::string, std::string> trialRecipe(const std::map<std::string, std::string> &config)
{
    std::map<std::string, std::string> recipe;
    for (const auto &[key, value] : config) {
        if (key == "seed" || key == "threads" || key == "log_every")
            continue;
        if (key == "init") // where the warm start lies differs per machine; warm or not is the recipe
            recipe[key] = value.empty() ? "" : "(set)";
        else if (key == "dataset") // "cifar10:data/cifar10" and "cifar10:/srv/cifar" are one data set
            recipe[key] = value.substr(0, value.find(':'));
        else
            recipe[key] = value;
    }
    return recipe;
}

std::vector<TrialGroup> groupTrials(const std::vector<std::map<std::string, std::string>> &configs)
{
    std::vector<TrialGroup> groups;
    std::vector<std::map<std::string, std::string>> recipes;
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto seed = configs[i].find("seed");
        const std::string seedText = seed == configs[i].end() ? std::string() : seed->second;
        const auto recipe = trialRecipe(configs[i]);
        size_t g = 0;
        // A run with no readable config says nothing about its recipe: it stays alone.
        while (g < groups.size() && (recipe.empty() || recipes[g] != recipe))
            ++g;
        if (g == groups.size()) {
            groups.push_back({});
            recipes.push_back(recipe);
        }
        groups[g].members.push_back(i);
        groups[g].seeds.push_back(seedText);
    }
    return groups;
}

MeanStd meanStd(const std::vector<double> &values)
{
    MeanStd r;
    double sum = 0;
    for (double v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++r.n;
        }
    if (r.n == 0)
        return r;
    r.mean = sum / r.n;
    if (r.n > 1) {
        double squares = 0;
        for (double v : values)
            if (std::isfinite(v))
                squares += (v - r.mean) * (v - r.mean);
        r.std = std::sqrt(squares / (r.n - 1));
    }
    return r;
}

std::string formatTrialTable(const std::vector<RunSummary> &runs, const std::vector<TrialGroup> &groups,
                             TableFormat format)
{
    std::ostringstream out;
    struct Row
    {
        std::string label;
        size_t n = 0, diverged = 0;
        MeanStd final, best, loss;
    };
    std::vector<Row> rows;
    for (const auto &g : groups) {
        if (g.members.empty())
            continue;
        Row row;
        row.n = g.members.size();
        row.label = groupLabel(runs.at(g.members.front()), row.n);
        std::vector<double> final, best, loss;
        for (size_t i : g.members) {
            const RunSummary &r = runs.at(i);
            final.push_back(r.finalTop1);
            best.push_back(r.bestTop1);
            loss.push_back(r.finalTrainLoss);
            row.diverged += r.diverged ? 1 : 0;
        }
        row.final = meanStd(final);
        row.best = meanStd(best);
        row.loss = meanStd(loss);
        rows.push_back(row);
    }
    // "88.12 ± 0.31" (a single trial has no spread: its value alone).
    auto pm = [](const MeanStd &m, int digits, const std::string &sep) {
        return m.n > 1 ? fixedDecimals(m.mean, digits) + sep + fixedDecimals(m.std, digits)
                       : fixedDecimals(m.mean, digits);
    };
    switch (format) {
    case TableFormat::Csv:
        out << "run,trials,final_top1_mean,final_top1_std,best_top1_mean,best_top1_std,final_train_loss_mean,"
               "final_train_loss_std,diverged\n";
        for (const auto &r : rows)
            out << csvField(r.label) << ',' << r.n << ',' << fixedDecimals(r.final.mean, 2) << ','
                << (r.n > 1 ? fixedDecimals(r.final.std, 2) : "") << ',' << fixedDecimals(r.best.mean, 2)
                << ',' << (r.n > 1 ? fixedDecimals(r.best.std, 2) : "") << ','
                << fixedDecimals(r.loss.mean, 4) << ',' << (r.n > 1 ? fixedDecimals(r.loss.std, 4) : "")
                << ',' << r.diverged << '\n';
        break;
    case TableFormat::Markdown:
        out << "| run | trials | final top-1 (%) | best top-1 (%) | final train loss | diverged |\n"
               "|---|---:|---:|---:|---:|---:|\n";
        for (const auto &r : rows)
            out << "| " << r.label << " | " << r.n << " | " << pm(r.final, 2, " ± ") << " | "
                << pm(r.best, 2, " ± ") << " | " << pm(r.loss, 4, " ± ") << " | " << r.diverged << " |\n";
        out << "\nmean ± sample standard deviation (n − 1) over the trials of a recipe (runs differing only "
               "in seed)\n";
        break;
    case TableFormat::Latex:
        out << "\\begin{tabular}{lrrrrr}\n\\toprule\n"
               "Run & Trials & Final top-1 (\\%) & Best top-1 (\\%) & Final train loss & Diverged \\\\\n"
               "\\midrule\n";
        for (const auto &r : rows)
            out << latexEscape(r.label) << " & " << r.n << " & " << pm(r.final, 2, " $\\pm$ ") << " & "
                << pm(r.best, 2, " $\\pm$ ") << " & " << pm(r.loss, 4, " $\\pm$ ") << " & " << r.diverged
                << " \\\\\n";
        out << "\\bottomrule\n\\end{tabular}\n"
               "% mean $\\pm$ sample standard deviation (n - 1) over the trials (runs differing only in "
               "seed)\n";
        break;
    }
    return out.str();
}

} // namespace qs

// Relabelling image-folder data sets so that label k is the model's class k.
#include "engine/data/data_source.h"

#include "engine/error.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace nac::engine {
namespace {

std::string normalised(const std::string& name)
{
    std::string out;
    for (unsigned char c : name)
        if (std::isalnum(c))
            out.push_back(char(std::tolower(c)));
    return out;
}

class RelabeledDataset : public Dataset {
public:
    RelabeledDataset(std::unique_ptr<Dataset> inner, std::vector<int> newLabel, std::vector<std::string> names)
        : m_inner(std::move(inner)), m_newLabel(std::move(newLabel)), m_names(std::move(names)) {}

    std::size_t size() const override { return m_inner->size(); }
    std::string description() const override { return m_inner->description(); }
    std::string sourceName(std::size_t index) const override { return m_inner->sourceName(index); }
    std::string sampleIdentity(std::size_t index) const override { return m_inner->sampleIdentity(index); }
    std::vector<std::string> openingNotes() const override { return m_inner->openingNotes(); }
    int label(std::size_t index) const override
    {
        const int folder = m_inner->label(index);
        return folder >= 0 && std::size_t(folder) < m_newLabel.size() ? m_newLabel[std::size_t(folder)] : -1;
    }
    std::vector<std::string> classNames() const override { return m_names; }
    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override
    {
        m_inner->load(index, spec, out, note);
    }

private:
    std::unique_ptr<Dataset> m_inner;
    std::vector<int> m_newLabel;  // folder label -> model class
    std::vector<std::string> m_names;
};

// Folder k -> model class, by name; empty when some folder matches no class or two match one.
std::vector<int> matchByName(const std::vector<std::string>& folders, const std::vector<std::string>& classes)
{
    std::vector<int> mapping;
    std::set<int> used;
    for (const std::string& folder : folders) {
        int found = -1;
        for (std::size_t c = 0; c < classes.size() && found < 0; ++c)
            if (classes[c] == folder)
                found = int(c);
        for (std::size_t c = 0; c < classes.size() && found < 0; ++c)
            if (!normalised(folder).empty() && normalised(classes[c]) == normalised(folder))
                found = int(c);
        if (found < 0 || !used.insert(found).second)
            return {};
        mapping.push_back(found);
    }
    return mapping;
}

// Folder k -> its number, when every folder is a decimal class number below classCount.
std::vector<int> matchByNumber(const std::vector<std::string>& folders, int classCount)
{
    std::vector<int> mapping;
    std::set<int> used;
    for (const std::string& folder : folders) {
        int value = -1;
        const auto [end, error] = std::from_chars(folder.data(), folder.data() + folder.size(), value);
        if (folder.empty() || error != std::errc() || end != folder.data() + folder.size() || value < 0 || value >= classCount
            || !used.insert(value).second)
            return {};
        mapping.push_back(value);
    }
    return mapping;
}

bool isIdentity(const std::vector<int>& mapping)
{
    for (std::size_t k = 0; k < mapping.size(); ++k)
        if (mapping[k] != int(k))
            return false;
    return true;
}

std::string joined(const std::vector<std::string>& names, std::size_t limit)
{
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < limit; ++i)
        text += (i ? ", " : "") + names[i];
    if (names.size() > limit)
        text += ", ...";
    return text;
}

}  // namespace

std::unique_ptr<Dataset> alignLabelsToModel(std::unique_ptr<Dataset> dataset, const std::vector<std::string>& modelClasses,
                                            int modelClassCount, std::vector<std::string>& notes)
{
    const std::vector<std::string> folders = dataset->classNames();
    if (folders.empty())
        return dataset;
    std::vector<int> mapping = modelClasses.empty() ? std::vector<int>() : matchByName(folders, modelClasses);
    std::string how = "by the model's class names";
    if (mapping.empty()) {
        mapping = matchByNumber(folders, modelClassCount);
        how = "by their numbers";
    }
    if (mapping.empty()) {
        if (!modelClasses.empty()) {
            std::vector<std::string> unmatched;
            for (const std::string& folder : folders)
                if (matchByName({folder}, modelClasses).empty())
                    unmatched.push_back(folder);
            notes.push_back("the class folders of " + dataset->description() + " do not all match the model's classes ("
                            + (unmatched.empty() ? std::string("two folders name the same class")
                                                 : "no class for " + joined(unmatched, 5))
                            + "; the model's: " + joined(modelClasses, 10)
                            + "): labels follow the sorted folder names (0.." + std::to_string(folders.size() - 1)
                            + "), so accuracy and the per-class fit subset are only right if that is the model's order");
        } else if (int(folders.size()) > modelClassCount) {
            notes.push_back(dataset->description() + " has " + std::to_string(folders.size()) + " class folders but the model has "
                            + std::to_string(modelClassCount) + " classes");
        }
        return dataset;
    }
    if (isIdentity(mapping))
        return dataset;
    notes.push_back("the class folders of " + dataset->description() + " are labelled " + how
                    + " (folder order differs from the model's class order)");
    std::vector<std::string> names = modelClasses;
    if (names.empty()) {
        names.resize(std::size_t(modelClassCount));
        for (std::size_t c = 0; c < names.size(); ++c)
            names[c] = std::to_string(c);
    }
    return std::make_unique<RelabeledDataset>(std::move(dataset), std::move(mapping), std::move(names));
}

}  // namespace nac::engine

// Turns a sample identity back into a one-image data set through openDataset().
#include "engine/data/sample_identity.h"

#include "engine/data/data_source.h"
#include "engine/error.h"

#include <regex>

namespace nac::engine {

namespace {
const std::regex& indexedIdentity()
{
    static const std::regex kIndexed("^(.*)#([0-9]{1,12})$");
    return kIndexed;
}
}  // namespace

bool splitFileIdentity(const std::string& identity, std::string& base, std::size_t& index)
{
    std::smatch match;
    if (!std::regex_match(identity, match, indexedIdentity()) || match[1].str().find("noise:") != std::string::npos)
        return false;
    base = match[1].str();
    index = std::size_t(std::stoull(match[2].str()));
    return true;
}

std::unique_ptr<Dataset> openSampleIdentity(const std::string& identity)
{
    if (identity.empty())
        throw badInput("the image has no stored identity (a profile written before identities were kept)");
    std::string prefix;
    std::string rest = identity;
    for (bool found = true; found;) {
        found = false;
        for (const char* transform : {"invert:", "rot90:", "rot180:"}) {
            const std::string text(transform);
            if (rest.compare(0, text.size(), text) == 0) {
                prefix += text;
                rest = rest.substr(text.size());
                found = true;
            }
        }
    }
    static const std::regex kNoise("^noise:([a-z]+):seed=([0-9]+)$");
    std::smatch match;
    std::string spec = rest;
    if (std::regex_match(rest, match, indexedIdentity())) {
        const std::string base = match[1].str();
        const unsigned long long index = std::stoull(match[2].str());
        const std::string range = "@" + std::to_string(index) + "-" + std::to_string(index);
        std::smatch noise;
        if (std::regex_match(base, noise, kNoise))
            spec = "noise:" + noise[1].str() + ":" + std::to_string(index + 1) + ":seed=" + noise[2].str() + range;
        else
            spec = base + range;
    }
    std::unique_ptr<Dataset> dataset;
    try {
        dataset = openDataset(prefix + spec);
    } catch (const Error& e) {
        throw badInput("cannot open the image " + identity + " again: " + e.what());
    }
    if (dataset->size() != 1)
        throw badInput("the identity " + identity + " names " + std::to_string(dataset->size()) + " images, not one");
    return dataset;
}

}  // namespace nac::engine

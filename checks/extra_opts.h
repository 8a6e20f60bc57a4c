// Monitoring Plugins' --extra-opts (lib/extra_opts.c, lib/parse_ini.c): long options read from
// a section of an INI file, placed before the command line's own so the command line wins.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm::check {

// Takes every --extra-opts out of `args` ("--extra-opts", "--extra-opts=SPEC", and
// "--extra-opts SPEC" when SPEC is not an option or a MODE) and returns their specs; the rest of
// the arguments go to `rest`, in order.
std::vector<std::string> TakeExtraOpts(const std::vector<std::string>& args,
                                       std::vector<std::string>& rest);

// The options of one "[SECTION][@FILE]" spec as command-line words ("--key=value", "-k value",
// a bare "--switch"); `desc` tells switches from options that take a value. Errors name the file
// and line. Files are read as every small file is (exdm/base/small_file.h), within `deadline`.
Result<std::vector<std::string>> ReadExtraOpts(
    const std::string& spec, const boost::program_options::options_description& desc,
    const Deadline& deadline);

// The deadline for reading --extra-opts files, which are read before the options are known: the
// command line's own -t/--timeout when it has a valid one, else -t's default. (A -t inside the
// file cannot bound the reading of that file.)
Deadline ExtraOptsDeadline(const std::vector<std::string>& command_line);

}  // namespace exdm::check

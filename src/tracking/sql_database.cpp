// Reading result rows (tracking/sql_database.h).
#include "modlr/tracking/sql_database.h"

#include <cmath>

#include "modlr/core/error.h"

namespace modlr {

const SqlValue& SqlRow::at(size_t column) const {
  if (column >= values_.size())
    throw Error("internal: result column " + std::to_string(column) + " of " + std::to_string(values_.size()));
  return values_[column];
}

int64_t SqlRow::integer(size_t column) const {
  const auto& value = at(column);
  if (const auto* real = std::get_if<double>(&value)) return static_cast<int64_t>(*real);
  if (const auto* text = std::get_if<std::string>(&value)) return std::stoll(*text);
  const auto* integer = std::get_if<int64_t>(&value);
  return integer ? *integer : 0;
}

double SqlRow::real(size_t column) const {
  const auto& value = at(column);
  if (const auto* integer = std::get_if<int64_t>(&value)) return static_cast<double>(*integer);
  if (const auto* text = std::get_if<std::string>(&value)) return std::stod(*text);
  const auto* real = std::get_if<double>(&value);
  return real ? *real : NAN;
}

std::string SqlRow::text(size_t column) const {
  const auto& value = at(column);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) return std::to_string(*real);
  return "";
}

bool SqlRow::is_null(size_t column) const { return std::holds_alternative<std::monostate>(at(column)); }

std::optional<double> SqlRow::optional_real(size_t column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

}  // namespace modlr

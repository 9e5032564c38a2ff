/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * recsgd.h: the umbrella header; the only header applications include. */
#ifndef LIBRECSGD_RECSGD_H
#define LIBRECSGD_RECSGD_H

#include "version.h"
#include "export.h"
#include "status.h"
#include "alloc.h"
#include "dataset.h"
#include "model.h"
#include "eval.h"

#endif /* LIBRECSGD_RECSGD_H */

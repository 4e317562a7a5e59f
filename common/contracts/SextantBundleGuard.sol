// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title Sextant's bundle guard
/// @notice Ties a bundle to the preview its user confirmed. Sextant shows the user what a bundle will
/// do before they sign: per token, at most this much leaves the account and at least that much
/// arrives; allowances end as shown; debt ends no higher and the health factor no lower. The bundle
/// (a smart account's executeBatch) opens with `snapshot` and closes with `check`, both called by the
/// account itself. If the chain has moved between preview and inclusion (a price, a pool, a hostile
/// token), `check` reverts, and with it the whole batch: the user gets what they saw, or nothing.
/// @dev In the spirit of ERC-8211's "smart batching": the conditions are predicates evaluated inside
/// the batch against values read while it runs, not values fixed when it was signed, and a false
/// predicate undoes every call of the batch. Values live in transient storage (EIP-1153), so they
/// last one transaction and never cost a storage write. Stateless otherwise: no owner, no
/// constructor arguments, one CREATE2 address on every chain.
contract SextantBundleGuard {
    /// A uint256 read: the 32-byte word number `word` of what `target.staticcall(data)` returns.
    /// target == address(0) reads the ETH balance of msg.sender (data and word ignored).
    struct Read {
        address target;
        bytes data;
        uint256 word;
    }

    /// Bound on read number `read` (an index into the `reads` given to check):
    /// relative: (value now - value at snapshot) must lie in [min, max];
    /// absolute: value now must lie in [min, max]. Values >= 2**255 count as type(int256).max.
    struct Bound {
        uint256 read;
        bool relative;
        int256 min;
        int256 max;
    }

    error BoundBroken(uint256 bound, int256 value, int256 min, int256 max);
    error ReadFailed(uint256 read);
    error NotSnapshotted(uint256 read);

    /// @notice Records the value of each read, in transient storage keyed by msg.sender and the read's
    /// index, and how many reads it recorded. Keyed by sender so one account's snapshot can never
    /// satisfy (or spoil) another's check in the same transaction.
    function snapshot(Read[] calldata reads) external {
        for (uint256 i; i < reads.length; ++i) {
            _tstore(_valueSlot(msg.sender, i), _read(reads[i], i));
        }
        _tstore(_countSlot(msg.sender), reads.length);
    }

    /// @notice Reads every entry of `reads` again and checks every bound; a relative bound's read must
    /// have an index below the count snapshot recorded for msg.sender (else NotSnapshotted). Reverts
    /// with BoundBroken for the first bound that fails, and with ReadFailed for a bound whose read is
    /// not in `reads`. Clears msg.sender's snapshot (count) at the end, so a later bundle in the same
    /// transaction cannot lean on this one's snapshot.
    function check(Read[] calldata reads, Bound[] calldata bounds) external {
        uint256 recorded = _tload(_countSlot(msg.sender));
        int256[] memory values = new int256[](reads.length);
        for (uint256 i; i < reads.length; ++i) {
            values[i] = _signed(_read(reads[i], i));
        }
        for (uint256 j; j < bounds.length; ++j) {
            Bound calldata bound = bounds[j];
            if (bound.read >= reads.length) revert ReadFailed(bound.read);
            int256 value = values[bound.read];
            if (bound.relative) {
                if (bound.read >= recorded) revert NotSnapshotted(bound.read);
                // Both sides lie in [0, 2**255 - 1], so the difference cannot overflow.
                value -= _signed(_tload(_valueSlot(msg.sender, bound.read)));
            }
            if (value < bound.min || value > bound.max) revert BoundBroken(j, value, bound.min, bound.max);
        }
        _tstore(_countSlot(msg.sender), 0);
    }

    /// A read's value; reverts with ReadFailed(index) when the call fails or returns too little,
    /// because a bound on a value that cannot be read would otherwise pass or fail by accident.
    function _read(Read calldata r, uint256 index) private view returns (uint256 value) {
        if (r.target == address(0)) return msg.sender.balance;
        (bool ok, bytes memory returned) = r.target.staticcall(r.data);
        // Compared by whole words, so a huge `word` cannot overflow into a passing length check.
        if (!ok || returned.length / 32 <= r.word) revert ReadFailed(index);
        uint256 offset = 32 + r.word * 32;
        assembly {
            value := mload(add(returned, offset))
        }
    }

    /// Balances and amounts above 2**255 do not occur in practice; clamping keeps the arithmetic signed
    /// and the bounds simple rather than reverting on a value nobody will see.
    function _signed(uint256 value) private pure returns (int256) {
        return value > uint256(type(int256).max) ? type(int256).max : int256(value);
    }

    function _countSlot(address account) private pure returns (bytes32) {
        return keccak256(abi.encode(account));
    }

    function _valueSlot(address account, uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode(account, index));
    }

    function _tstore(bytes32 slot, uint256 value) private {
        assembly {
            tstore(slot, value)
        }
    }

    function _tload(bytes32 slot) private view returns (uint256 value) {
        assembly {
            value := tload(slot)
        }
    }
}

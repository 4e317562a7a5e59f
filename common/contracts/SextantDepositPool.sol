// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// The capital bucket's deposit pool: an unmodified OpenZeppelin ERC-4626 vault over WETH. Depositors
/// earn emissions by time-weighted shares, read off-chain from its Deposit and Withdraw events; the vault
/// itself holds the WETH and pays it back on withdrawal, nothing more.
contract SextantDepositPool is ERC4626 {
    constructor(IERC20 weth) ERC20("Sextant Capital Pool WETH", "sxWETH") ERC4626(weth) {}
}
